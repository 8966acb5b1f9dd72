// The web portal: the pages people use, at `/`, beside the APIs. It is a single-page
// application (web/, built by `npm run build` into dist/web) that calls the public API with
// the session cookie; this plugin only serves it. Each page answer is the same HTML shell
// with a fresh CSP nonce for the component library's theme `<style>` element.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { pageCsp } from '../security-headers.js';
import { KEYED_PAGES } from './links.js';
import { PAGE_PATHS } from './pages.js';
import { themeFiles } from './themes.js';

export { portalLinks } from './links.js';

/** src/http/portal and dist/http/portal are both three levels below the package root. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const WEB_DIR = join(PACKAGE_ROOT, 'dist', 'web');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Account Portal</title></head>
<body><main><h1>The pages are not built</h1><p>Run <code>npm run build</code>, then start the service again.</p></main></body></html>`;

export const portal: FastifyPluginAsync<{ webDir?: string }> = async (app, options) => {
  const webDir = options.webDir ?? WEB_DIR;
  const indexFile = join(webDir, 'index.html');
  const shell = existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : null;

  if (shell) {
    // Built file names carry a content hash: they never change, so browsers may keep them.
    await app.register(fastifyStatic, {
      root: join(webDir, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      preCompressed: true,
      cacheControl: false,
      setHeaders: (res) => { res.header('cache-control', 'public, max-age=31536000, immutable'); },
    });
  }

  await app.register(themeFiles);

  const page = async (_request: unknown, reply: FastifyReply) => {
    if (!shell) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('content-security-policy', pageCsp(nonce))
      .type('text/html; charset=utf-8')
      .send(shell.replaceAll('__CSP_NONCE__', nonce));
  };
  for (const path of [...PAGE_PATHS, ...KEYED_PAGES]) {
    app.get(path, { schema: { hide: true } }, page);
  }
};
