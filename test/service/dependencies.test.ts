// The folders depend one way (.dependency-cruiser.cjs): http/ never imports db/, core/
// never imports http/, surfaces never import each other, route files neither import the
// app nor each other. Run here, so `npm test` and CI fail on a crossing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type IForbiddenRuleType } from 'dependency-cruiser';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as {
  forbidden: IForbiddenRuleType[];
  options: ICruiseOptions;
};

async function violations(baseDir: string): Promise<string[]> {
  const { tsConfig: _tsConfig, ...options } = config.options;
  const result = await cruise(['src'], { ...options, baseDir, validate: true, ruleSet: { forbidden: config.forbidden } });
  const output = result.output as Exclude<typeof result.output, string>;
  assert.ok(output.summary.totalCruised > 0, `nothing cruised in ${baseDir}`);
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

test('the source follows the dependency rules', async () => {
  assert.deepEqual(await violations(root), []);
});

test('each rule fails on a tree that breaks it', async () => {
  const fixture = join(root, '.cache', `dependency-rules-${process.pid}`);
  rmSync(fixture, { recursive: true, force: true });
  const files: Record<string, string> = {
    'src/db/database.ts': 'export const db = 1;\n',
    'src/core/rules.ts': "import { app } from '../http/app.js';\nexport const rules = app;\n",
    'src/http/app.ts': "export const app = 1;\n",
    'src/http/other/index.ts': 'export const other = 1;\n',
    'src/http/native/routes/b.ts': 'export const b = 1;\n',
    'src/http/native/routes/a.ts': [
      "import type { db } from '../../../db/database.js';",
      "import { app } from '../../app.js';",
      "import { other } from '../../other/index.js';",
      "import { b } from './b.js';",
      'export const a: typeof db = app + other + b;',
      '',
    ].join('\n'),
  };
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(fixture, path)), { recursive: true });
      writeFileSync(join(fixture, path), text);
    }
    const found = await violations(fixture);
    assert.deepEqual(found.sort(), [
      'core-not-http: src/core/rules.ts -> src/http/app.ts',
      'http-not-db: src/http/native/routes/a.ts -> src/db/database.ts',
      'routes-apart: src/http/native/routes/a.ts -> src/http/native/routes/b.ts',
      'routes-not-app: src/http/native/routes/a.ts -> src/http/app.ts',
      'surfaces-apart: src/http/native/routes/a.ts -> src/http/other/index.ts',
    ]);
  } finally {
    rmSync(fixture, { recursive: true, force: true });
  }
});
