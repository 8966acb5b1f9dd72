// One surface's own OpenAPI document: the operations under its prefixes and the components
// they reach (transitively), cut from the service's whole document. A team moving its
// Accountcentral or EmbedThis clients to us generates a client for that API alone.
type Json = Record<string, unknown>;

function refsIn(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) found.add(v.slice('#/components/schemas/'.length));
      else refsIn(v, found);
    }
  }
}

export function surfaceDocument(whole: Json, prefixes: readonly string[], title: string): Json {
  const paths = Object.fromEntries(Object.entries((whole.paths ?? {}) as Record<string, unknown>)
    .filter(([path]) => prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))));
  const components = (whole.components ?? {}) as { schemas?: Record<string, unknown> } & Json;
  const all = components.schemas ?? {};
  const used = new Set<string>();
  refsIn(paths, used);
  // A shape may name others: follow them until nothing new appears.
  for (let queue = [...used]; queue.length;) {
    const next = new Set<string>();
    refsIn(all[queue.pop()!], next);
    for (const name of next) if (!used.has(name)) { used.add(name); queue.push(name); }
  }
  const tags = new Set(Object.values(paths).flatMap((item) => Object.values(item as Record<string, { tags?: string[] }>).flatMap((op) => op?.tags ?? [])));
  return {
    ...whole,
    info: { ...(whole.info as Json), title },
    ...(Array.isArray(whole.tags) ? { tags: (whole.tags as Array<{ name: string }>).filter((tag) => tags.has(tag.name)) } : {}),
    paths,
    components: { ...components, schemas: Object.fromEntries(Object.entries(all).filter(([name]) => used.has(name))) },
  };
}
