// Which folder may import which (docs/architecture.md, "Layout"). Checked by
// test/service/dependencies.test.ts, so `npm test` (and CI) fails on a crossing.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'http-not-db',
      comment: 'HTTP code reaches the database only through the core.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/db/' },
    },
    {
      name: 'core-not-http',
      comment: 'The core knows nothing of HTTP: surfaces depend on it, never the other way.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'surfaces-apart',
      comment: 'A surface (src/http/<surface>/) never imports another surface.',
      severity: 'error',
      from: { path: '^src/http/([^/]+)/' },
      to: { path: '^src/http/[^/]+/', pathNot: '^src/http/$1/' },
    },
    {
      name: 'routes-not-app',
      comment: 'Route files get app.core and request.caller by declaration merging, not by importing the app that registers them.',
      severity: 'error',
      from: { path: '^src/http/[^/]+/' },
      to: { path: '^src/http/app\\.ts$' },
    },
    {
      name: 'routes-apart',
      comment: 'Route files share presenters through shapes/ and schemas through schemas/, never through each other.',
      severity: 'error',
      from: { path: '^src/http/([^/]+)/routes/' },
      to: { path: '^src/http/$1/routes/' },
    },
  ],
  options: {
    // Type-only imports count: a route file importing a db type still depends on db/.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } },
  },
};
