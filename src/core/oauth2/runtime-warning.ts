// oidc-provider warns on every start under Node 20 ("Unsupported runtime"); it works on 20,
// and the line broke commands whose error output is one line. Imported before oidc-provider.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider WARNING: Unsupported runtime')) return;
  warn(...args);
};
