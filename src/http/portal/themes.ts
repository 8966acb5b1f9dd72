// The site's theme for the pages: /themes/site.css (linked by every page after the
// portal's own CSS, so it wins) and /themes/assets/... (what that CSS points at). Read
// from the database, so every node serves the theme the last upload stored. Browsers keep
// a copy and ask again each time (no-cache + ETag): a new theme shows on the next page.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { SITE_CSS, themeFile } from '../../core/organizations/themes.js';

/** Theme files run nothing when opened directly (an SVG's script, say). */
const FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; font-src 'self'; sandbox; frame-ancestors 'none'";

const NO_THEME = '"no-theme"';

export const themeFiles: FastifyPluginAsync = async (app) => {
  const { core } = app;
  const serve = async (path: string, ifNoneMatch: string | undefined, reply: FastifyReply) => {
    reply.header('cache-control', 'no-cache').header('content-security-policy', FILE_CSP);
    const file = await themeFile(core, path, ifNoneMatch);
    if (file === 'not_modified') return reply.code(304).send();
    if (file === null && path === SITE_CSS) {
      // No theme: the pages link the CSS anyway, and get an empty style sheet.
      reply.header('etag', NO_THEME);
      if (ifNoneMatch === NO_THEME) return reply.code(304).send();
      return reply.type('text/css; charset=utf-8').send('');
    }
    if (file === null) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return reply.header('etag', file.etag).type(file.content_type).send(file.content);
  };
  app.get('/themes/site.css', { schema: { hide: true } }, (request, reply) => serve(SITE_CSS, request.headers['if-none-match'], reply));
  app.get<{ Params: { '*': string } }>('/themes/assets/*', { schema: { hide: true } },
    (request, reply) => serve(`assets/${request.params['*']}`, request.headers['if-none-match'], reply));
};
