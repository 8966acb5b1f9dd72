// `npm test`: prepares the migrated template database(s), then runs every test file
// with Node's test runner. With DATABASE_URL set, the suite runs on PostgreSQL.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preparePGliteTemplate, preparePostgresTemplate } from './templates.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'support' ? [] : testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const files = testFiles(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const url = process.env.DATABASE_URL;
console.log(url ? `Database: PostgreSQL (${new URL(url).host})` : 'Database: embedded PGlite');
if (url) await preparePostgresTemplate(url);
else await preparePGliteTemplate();

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// --test-force-exit: a file whose `before` failed half-way (a service half started) keeps
// handles open; without it that file's process, and so the whole run, would never end.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-force-exit', `--test-concurrency=${concurrency}`, ...args.filter((a) => a.startsWith('--')), ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
