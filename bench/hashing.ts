// Password hashing throughput on one core: verifyPassword (argon2id at the service's
// parameters) in a loop, one at a time, against sha256 of the same input as a yardstick.
import { createHash } from 'node:crypto';
import { hashPassword, verifyPassword } from '../src/core/identity/passwords.js';

const seconds = Number(process.argv[2] ?? 3);
const password = 'Bench-Pa55word-correct-horse';
const stored = await hashPassword(password);

async function loop(step: () => Promise<unknown>): Promise<number> {
  await step();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    await step();
    n += 1;
  }
  return n / ((performance.now() - start) / 1000);
}

let verifies = 0;
const cpuBefore = process.cpuUsage();
const argon2PerSecond = await loop(async () => {
  verifies += 1;
  if (!(await verifyPassword(stored, password))) throw new Error('verifyPassword refused the right password');
});
// CPU of the whole process (argon2 runs on libuv's threads), per verify: contention on a
// shared machine stretches the wall-clock rate, far less the CPU each verify costs.
const cpu = process.cpuUsage(cpuBefore);
const argon2CpuMs = (cpu.user + cpu.system) / 1000 / verifies;
// Synchronous, so no promise overhead flatters argon2id by slowing the yardstick.
const end = performance.now() + seconds * 1000;
const start = performance.now();
let n = 0;
while (performance.now() < end) {
  createHash('sha256').update(password).digest();
  n += 1;
}
const sha256PerSecond = n / ((performance.now() - start) / 1000);
process.send?.({ argon2PerSecond, argon2CpuMs, sha256PerSecond });
