// A what-if for the benchmark only (BENCH_SYNC_JWT=1): HS256 checked with node:crypto's
// synchronous HMAC instead of jose's WebCrypto path, which costs a thread-pool job and a
// KeyObject→CryptoKey conversion per token. Same claims, same errors, same messages.
// If the figures justify it, the change belongs in src/core/identity/tokens.ts.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from '../src/core/identity/secrets.js';
import { InvalidToken, TokenService, type TokenClaims } from '../src/core/identity/tokens.js';

export class SyncVerifyTokenService extends TokenService {
  readonly #keys = new Map<string, Buffer>();

  constructor(secrets: string[], lifetimeSeconds: number) {
    super(secrets, lifetimeSeconds);
    for (const secret of secrets) {
      const raw = deriveKey(secret, 'jwt-hs256');
      this.#keys.set(createHash('sha256').update(raw).digest('base64url').slice(0, 16), raw);
    }
  }

  override async verify(token: string, now: Date): Promise<TokenClaims> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new InvalidToken('Token is invalid.');
    let header: { alg?: unknown; kid?: unknown; crit?: unknown };
    let payload: Partial<TokenClaims> & { nbf?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    } catch {
      throw new InvalidToken('Token is invalid.');
    }
    if (header.alg !== 'HS256' || header.crit !== undefined) throw new InvalidToken('Token is invalid.');
    const key = typeof header.kid === 'string' ? this.#keys.get(header.kid) : undefined;
    if (!key) throw new InvalidToken('Token was signed by an unknown key.');
    const expected = createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2], 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidToken('Token is invalid.');
    try {
      payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      throw new InvalidToken('Token is invalid.');
    }
    const { sub, username, email, full_name, iat, exp, nbf } = payload;
    const seconds = Math.floor(now.getTime() / 1000);
    if (typeof sub !== 'string' || !/^\d+$/.test(sub) || typeof username !== 'string' ||
        typeof iat !== 'number' || typeof exp !== 'number' || (nbf !== undefined && typeof nbf !== 'number')) {
      throw new InvalidToken('Token is invalid.');
    }
    if (typeof nbf === 'number' && nbf > seconds) throw new InvalidToken('Token is invalid.');
    if (exp <= seconds) throw new InvalidToken('Token has expired.');
    return { sub, username, email: email ?? null, full_name: full_name ?? '', iat, exp };
  }
}
