// What a row of the Accountcentral access matrix says (matrix.test.ts runs them all).
import type { AcCaller, AcWorld } from '../world.js';

export type Expect = Record<AcCaller, number>;

export interface MatrixRow {
  /** The operation as `/openapi.json` has it: `GET /accountcentral/users/{userPk}`. */
  op: string;
  /** The status each caller gets. */
  expect: Expect;
  /** Path parameters, the same for every caller or made per caller (when a call consumes its target). */
  params?: (w: AcWorld, caller: AcCaller) => Record<string, string | number> | Promise<Record<string, string | number>>;
  /** The query string, without `?`. */
  query?: (w: AcWorld, caller: AcCaller) => string;
  /** The JSON body. */
  body?: (w: AcWorld, caller: AcCaller) => unknown | Promise<unknown>;
  /** A call the generic one cannot make (an event stream): answers the status it got. */
  call?: (w: AcWorld, caller: AcCaller) => Promise<number>;
}

/** Anyone, nobody included. */
export const PUBLIC: Expect = { anonymous: 200, team: 200, manager: 200, other: 200, staff: 200 };
/** Every authenticated caller, about themselves. */
export const ANY_USER: Expect = { anonymous: 401, team: 200, manager: 200, other: 200, staff: 200 };

/** `expect` with some callers' statuses changed. */
export function except(base: Expect, changes: Partial<Expect>): Expect {
  return { ...base, ...changes };
}
