// Records the SQL (parameters left out) that a service's core runs while a probe is under
// way: the structural way to show that two paths (a known and an unknown account, say) do
// the same work, where wall-clock comparisons break on a loaded machine.
import type { KyselyPlugin } from 'kysely';
import type { TestService } from './service.js';

export function recordStatements(s: TestService): { stop(): string[] } {
  const original = s.core.db;
  const seen: string[] = [];
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      seen.push(original.getExecutor().compileQuery(args.node, args.queryId).sql);
      return args.node;
    },
    async transformResult(args) { return args.result; },
  };
  s.core.db = original.withPlugin(plugin);
  return { stop() { s.core.db = original; return seen; } };
}
