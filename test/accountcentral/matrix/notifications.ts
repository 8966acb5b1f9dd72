// The access matrix's rows for the notifications, news and application status operations.
// The two event streams are opened over a real connection (inject waits for a stream's end),
// their status read, and closed.
import { ANY_USER, except, type Expect, type MatrixRow } from './rows.js';
import { streamStatus } from '../event-stream.js';

/** The broker's staff only. */
const STAFF: Expect = { anonymous: 401, team: 403, manager: 403, other: 403, staff: 200 };

export const ROWS: MatrixRow[] = [
  { op: 'GET /accountcentral/notifications', expect: ANY_USER },
  {
    op: 'POST /accountcentral/notifications',
    // A user of C: its manager and the staff may notify them; nobody else sees them.
    expect: except(ANY_USER, { team: 404, other: 404 }),
    body: (w) => ({ destination: { userPks: [w.tu.id] }, notification: { title: 'Matrix', message: 'A notification.' } }),
  },
  { op: 'PUT /accountcentral/notifications/read', expect: ANY_USER, body: () => [1] },
  {
    op: 'GET /accountcentral/notifications/subscribe',
    expect: ANY_USER,
    call: (w, caller) => streamStatus(w.s, '/accountcentral/notifications/subscribe', w.userOf(caller)?.token),
  },
  { op: 'GET /accountcentral/news', expect: ANY_USER },
  {
    op: 'POST /accountcentral/news',
    expect: STAFF,
    body: () => ({ texts: { en: { title: 'Matrix news', content: 'Published by the matrix.' } } }),
  },
  // The matrix's service has no NEWS_FEED_URL: the staff are told so (400), the others refused first.
  { op: 'POST /accountcentral/news/update', expect: except(STAFF, { staff: 400 }) },
  { op: 'GET /accountcentral/applications/{application}/status', expect: ANY_USER, params: () => ({ application: 'hub' }) },
  {
    op: 'PUT /accountcentral/applications/{application}/status',
    expect: STAFF,
    params: () => ({ application: 'flow' }),
    body: () => ({ status: 'DOWN' }),
  },
  {
    op: 'GET /accountcentral/applications/{application}/status/subscribe',
    expect: ANY_USER,
    call: (w, caller) => streamStatus(w.s, '/accountcentral/applications/hub/status/subscribe', w.userOf(caller)?.token),
  },
];
