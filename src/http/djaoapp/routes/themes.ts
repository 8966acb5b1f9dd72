// /api/themes/ (DjaoApp's themes) and /api/notifications/{template}/ (a test mail). Only
// the broker's managers change the theme; the files are served to pages by the portal at
// /themes/site.css and /themes/assets/... (src/http/portal/themes.ts).
import multipart from '@fastify/multipart';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DomainError, Invalid } from '../../../core/errors.js';
import {
  deleteSiteCss, listCssVariables, listSiteCss, putCssVariable, putSiteCss, resetTheme, sendTestMail, THEME_ARCHIVE_BYTES, uploadTheme,
  type CssVariable as CssVariableView, type ThemeFileView,
} from '../../../core/organizations/themes.js';
import { errors, NoContent, ref } from '../schemas/common.js';
import { Asset, CssVariable, ThemePackageUpload } from '../schemas/themes.js';

const TAGS = ['themes'];

const variable = (v: CssVariableView) => ({ ...v, created_at: v.created_at.toISOString(), updated_at: v.updated_at.toISOString() });
const asset = (view: ThemeFileView) => ({ ...view, updated_at: view.updated_at.toISOString() });
const AUTH_NOTE = 'Send it with the Authorization header (an API key or a token): a request authenticated by the session cookie must be JSON.';

const fileBody = (what: string) => ({ content: { 'multipart/form-data': { schema: Type.Unsafe({
  properties: { file: { type: 'string', format: 'binary', description: what } },
  required: ['file'],
}) } } });

/** The bytes of the multipart part named `file`. */
async function uploadedFile(request: FastifyRequest, what: string): Promise<Buffer> {
  if (!request.isMultipart()) throw new Invalid('file', `Send ${what} as multipart/form-data, in a part named "file".`);
  try {
    const part = await request.file();
    if (!part || part.fieldname !== 'file') throw new Invalid('file', `Send ${what} in a part named "file".`);
    return await part.toBuffer();
  } catch (error) {
    // The parser's limits are 413s the error handler answers; anything else it throws is a
    // body the client got wrong (no boundary, a body cut short).
    if (error instanceof DomainError || (error as { statusCode?: number }).statusCode === 413) throw error;
    throw new Invalid('file', 'The multipart/form-data body could not be read: check its boundary and the "file" part.');
  }
}

export const themeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  // Only this plugin's routes (and the cart's CSV upload) read multipart bodies.
  await app.register(multipart, { limits: { fileSize: THEME_ARCHIVE_BYTES, files: 1, fields: 5, parts: 6 } });

  app.post('/themes/', {
    schema: {
      operationId: 'uploadTheme',
      tags: TAGS,
      summary: 'Uploads a theme package',
      description: 'Replaces the site\'s theme with a zip archive sent as multipart/form-data in a part named `file` ' +
        `(at most ${THEME_ARCHIVE_BYTES} bytes): \`site.css\` (served at /themes/site.css after the portal's own styles), ` +
        '`assets/...` (CSS, PNG, JPEG, GIF, WebP, SVG, ICO, WOFF, WOFF2, TTF, OTF; served at /themes/assets/...) and ' +
        '`email/<mail>.txt` or `.html` (a mail\'s template: a `Subject:` first line, then the body; only that mail\'s ' +
        '`{{placeholders}}`). One enclosing folder is allowed. The archive is refused whole if a file is of another kind, ' +
        'a name climbs out of the theme, or it unpacks to too much. The broker\'s managers only. ' + AUTH_NOTE,
      body: fileBody('The theme package (zip).'),
      response: { 200: ref(ThemePackageUpload, 'Upload successful.'), ...errors(400, 401, 403, 413, 415) },
    },
  }, async (request) => uploadTheme(core, request.caller, await uploadedFile(request, 'the theme package (zip)')));

  app.delete('/themes/', {
    schema: {
      operationId: 'resetTheme',
      tags: TAGS,
      summary: 'Removes the custom theme',
      description: 'Removes the theme\'s styles, assets and mail templates: pages and mails use the default theme again. The broker\'s managers only.',
      response: { 204: NoContent('Back to the default theme.'), ...errors(401, 403) },
    },
  }, async (request, reply) => {
    await resetTheme(core, request.caller);
    return reply.code(204).send(null);
  });

  app.get('/themes/sitecss', {
    schema: {
      operationId: 'listSiteCss',
      tags: TAGS,
      summary: 'Lists the site\'s CSS',
      description: 'The site\'s CSS as a list of assets: none, or the one at /themes/site.css. The broker\'s managers only.',
      response: {
        200: Type.Object({
          count: Type.Integer(),
          next: Type.Union([Type.String(), Type.Null()]),
          previous: Type.Union([Type.String(), Type.Null()]),
          results: Type.Array(ref(Asset)),
        }, { description: 'The site\'s CSS, if it has one.' }),
        ...errors(401, 403),
      },
    },
  }, async (request) => {
    const results = (await listSiteCss(core, request.caller)).map(asset);
    return { count: results.length, next: null, previous: null, results };
  });

  app.post('/themes/sitecss', {
    schema: {
      operationId: 'setSiteCss',
      tags: TAGS,
      summary: 'Uploads the site\'s CSS',
      description: 'Sets the site\'s CSS (UTF-8 text, sent as multipart/form-data in a part named `file`), keeping the rest of the theme. ' +
        'The broker\'s managers only. ' + AUTH_NOTE,
      body: fileBody('The CSS file.'),
      response: { 201: ref(Asset, 'The site\'s CSS.'), ...errors(400, 401, 403, 413, 415) },
    },
  }, async (request, reply) => reply.code(201).send(asset(await putSiteCss(core, request.caller, await uploadedFile(request, 'the CSS file')))));

  app.delete('/themes/sitecss', {
    schema: {
      operationId: 'deleteSiteCss',
      tags: TAGS,
      summary: 'Removes the site\'s CSS',
      description: 'Removes the site\'s CSS alone (the theme\'s assets and mail templates stay). The broker\'s managers only.',
      response: { 204: NoContent('Removed (or there was none).'), ...errors(401, 403) },
    },
  }, async (request, reply) => {
    await deleteSiteCss(core, request.caller);
    return reply.code(204).send(null);
  });

  app.get('/themes/sitecss/variables/', {
    schema: {
      operationId: 'listCssVariables',
      tags: TAGS,
      summary: 'Lists the site\'s CSS variables',
      description: 'DjaoApp\'s "LESS variables", here CSS custom properties: each is `--<name>: <value>` on `:root` at the top of '
        + '/themes/site.css, for the theme\'s CSS to use (`var(--brand)`), or to set the portal\'s own (`mantine-...`). The broker\'s managers only.',
      response: {
        200: Type.Object({
          count: Type.Integer(),
          next: Type.Union([Type.String(), Type.Null()]),
          previous: Type.Union([Type.String(), Type.Null()]),
          results: Type.Array(ref(CssVariable)),
        }, { description: 'Every variable, by name.' }),
        ...errors(401, 403),
      },
    },
  }, async (request) => {
    const results = (await listCssVariables(core, request.caller)).map(variable);
    return { count: results.length, next: null, previous: null, results };
  });

  app.put('/themes/sitecss/variables/', {
    schema: {
      operationId: 'setCssVariable',
      tags: TAGS,
      summary: 'Sets a CSS variable',
      description: 'Creates or changes one variable. The value is a plain CSS value (a colour, a length, font names, calc()): '
        + 'no `url()`, comments, `;`, braces, unbalanced brackets or quotes. A theme upload or reset removes the variables. The broker\'s managers only.',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 63, description: 'Lower-case letters, digits and dashes, starting with a letter.' }),
        value: Type.String({ minLength: 1, maxLength: 200, description: 'The CSS value.' }),
      }, { additionalProperties: false }),
      response: { 200: ref(CssVariable, 'The variable.'), ...errors(400, 401, 403) },
    },
  }, async (request) => variable(await putCssVariable(core, request.caller, request.body.name, request.body.value)));

  app.post('/notifications/:template/', {
    schema: {
      operationId: 'sendTestNotification',
      tags: ['notifications'],
      summary: 'Sends a test notification',
      description: 'Sends the caller a mail of template {template} (such as `verification` or `role_grant_invite`), with sample ' +
        'values in place of the real ones, through the outbox like every mail; the theme\'s template is used when it has one. ' +
        'The broker\'s managers only.',
      params: Type.Object({ template: Type.String({ minLength: 1, maxLength: 100, description: 'The mail\'s template name.' }) }),
      response: { 201: NoContent('The test mail is on its way.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await sendTestMail(core, request.caller, request.params.template);
    return reply.code(201).send(null);
  });
};
