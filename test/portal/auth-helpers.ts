// Helpers of the sign-in pages' tests. Chromium logs every 4xx answer as a console error,
// so a test that provokes a refusal on purpose takes those entries off the person's list,
// after checking they are there: any other problem still fails `done()`.
import assert from 'node:assert/strict';
import type { PortalPage } from '../support/browser.js';

export function expectRefused(person: PortalPage, status: number, count = 1): void {
  const line = `console: Failed to load resource: the server responded with a status of ${status} `;
  const found = person.problems.filter((problem) => problem.startsWith(line));
  assert.equal(found.length, count, `expected ${count} refusal(s) with status ${status}; saw:\n${person.problems.join('\n')}`);
  for (const problem of found) person.problems.splice(person.problems.indexOf(problem), 1);
}

export const PASSWORD = 'Correct-horse-battery-9';
