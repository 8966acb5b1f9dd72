// Runs the real service in its own process for the load tests, on the embedded PGlite
// database in DATA_DIR, and reports its port (plus a JWT for the administrator, made by
// the service's own token service, for when the login route is not there) over IPC.
import { loadConfig } from '../src/config.js';
import { createService, makeLogger } from '../src/server.js';
import { hashPassword } from '../src/core/identity/passwords.js';
import { openSession } from '../src/core/identity/sessions.js';
import { seedCheckout } from './checkout-seed.js';
import { answerProbes } from './probe.mjs';

const config = loadConfig();
const service = await createService(config, { log: makeLogger(config) });
await service.app.listen({ port: 0, host: '127.0.0.1' });
const address = service.app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
const admin = await service.core.db.selectFrom('users').select(['id', 'slug', 'email', 'full_name'])
  .where('slug', '=', config.admin?.username ?? '').executeTakeFirstOrThrow();
const { token } = await openSession(service.core, service.core.db, admin, 'password', {}, new Date(Date.now() + 1000));
// A plain user with no role anywhere: the common caller of GET /api/users/{user}/.
const plain = process.env.BENCH_USER_PASSWORD
  ? await service.core.db.insertInto('users').values({
    slug: 'benchuser', email: 'benchuser@example.com', full_name: 'Bench User',
    password_hash: await hashPassword(process.env.BENCH_USER_PASSWORD),
    password_changed_at: new Date(Date.now() - 5000), email_verified_at: new Date(),
  }).onConflict((oc) => oc.doNothing()).returning(['id', 'slug', 'email', 'full_name']).executeTakeFirst()
  : undefined;
const userToken = plain ? (await openSession(service.core, service.core.db, plain, 'password', {}, new Date(Date.now() + 1000))).token : undefined;
// The checkout figures: buyers with a cart each, and a cart of many items to price.
const checkout = process.env.BENCH_CHECKOUT_ORDERS
  ? await seedCheckout(service, Number(process.env.BENCH_CHECKOUT_ORDERS), Number(process.env.BENCH_CART_SIZE ?? 50))
  : undefined;
answerProbes();
process.send?.({ port, token, userToken, checkout });
process.on('SIGTERM', () => { void service.close().then(() => process.exit(0)); });
