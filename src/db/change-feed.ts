// Tells in-process caches that rows they may hold changed. Two sources feed it:
// - a Kysely plugin that sees every write this process makes to a watched table, before it
//   runs, so a node never serves its own stale data (PGlite, being one connection, can
//   not interleave a read between the write and its commit);
// - on PostgreSQL, a LISTEN connection: a trigger NOTIFYs at commit, so every node (this
//   one included) drops what it cached, also what it read while the write was uncommitted.
import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

/** Tables whose rows the read caches hold (users, their sessions, and what decides their access). */
export const WATCHED_TABLES = ['users', 'sessions', 'roles', 'organizations', 'role_descriptions'] as const;
export const CHANGE_CHANNEL = 'account_portal_changes';

type Listener = () => void;

export class ChangeFeed {
  readonly #listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

const WRITE_KINDS = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);
const watched = new Set<string>(WATCHED_TABLES);
const RAW_WRITE = new RegExp(`\\b(insert\\s+into|update|delete\\s+from|merge\\s+into|truncate)\\s+"?(${WATCHED_TABLES.join('|')})"?\\b`, 'i');

/** Every table a node names, wherever (a write with a sub-select may name more: harmless). */
function namesWatchedTable(node: unknown, depth = 0): boolean {
  if (!node || typeof node !== 'object' || depth > 40) return false;
  const n = node as { kind?: string; table?: { identifier?: { name?: string } } };
  if (n.kind === 'TableNode' && n.table?.identifier?.name && watched.has(n.table.identifier.name)) return true;
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      if (value.some((v) => namesWatchedTable(v, depth + 1))) return true;
    } else if (value && typeof value === 'object' && namesWatchedTable(value, depth + 1)) {
      return true;
    }
  }
  return false;
}

export class ChangeFeedPlugin implements KyselyPlugin {
  constructor(private readonly feed: ChangeFeed) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node as OperationNode;
    if (WRITE_KINDS.has(node.kind)) {
      if (namesWatchedTable(node)) this.feed.changed();
    } else if (node.kind === 'RawNode') {
      const text = (node as unknown as { sqlFragments: readonly string[] }).sqlFragments.join(' ');
      if (RAW_WRITE.test(text)) this.feed.changed();
    }
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
