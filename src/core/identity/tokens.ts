// JSON Web Tokens. Every token names the key that signed it (`kid`); the first
// SECRET_KEY signs, and the older ones listed after it still verify, so rotating the
// secret does not log anybody out before their token expires.
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { deriveKey } from './secrets.js';

export interface TokenClaims {
  /** The user's internal id, as a string. */
  sub: string;
  username: string;
  email: string | null;
  full_name: string;
  iat: number;
  exp: number;
}

export interface TokenSubject {
  id: number;
  slug: string;
  email: string | null;
  full_name: string;
}

export class InvalidToken extends Error {}

interface SigningKey {
  kid: string;
  key: KeyObject;
}

export class TokenService {
  readonly #keys: SigningKey[];
  readonly #byKid: Map<string, KeyObject>;

  constructor(secrets: string[], readonly lifetimeSeconds: number) {
    if (secrets.length === 0) throw new Error('at least one secret is needed to sign tokens');
    this.#keys = secrets.map((secret) => {
      const raw = deriveKey(secret, 'jwt-hs256');
      const kid = createHash('sha256').update(raw).digest('base64url').slice(0, 16);
      return { kid, key: createSecretKey(raw) };
    });
    this.#byKid = new Map(this.#keys.map((k) => [k.kid, k.key]));
  }

  get currentKid(): string {
    return this.#keys[0].kid;
  }

  async issue(user: TokenSubject, now: Date): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    const { kid, key } = this.#keys[0];
    return new SignJWT({ username: user.slug, email: user.email, full_name: user.full_name })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
      .setSubject(String(user.id))
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.lifetimeSeconds)
      .sign(key);
  }

  /** Checks signature and expiry; throws InvalidToken with a reason fit to show. */
  async verify(token: string, now: Date): Promise<TokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid ? this.#byKid.get(header.kid) : undefined;
          if (!key) throw new InvalidToken('Token was signed by an unknown key.');
          return key;
        },
        { algorithms: ['HS256'], currentDate: now },
      ));
    } catch (error) {
      if (error instanceof InvalidToken) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new InvalidToken('Token has expired.');
      throw new InvalidToken('Token is invalid.');
    }
    const { sub, username, email, full_name, iat, exp } = payload as Partial<TokenClaims>;
    if (typeof sub !== 'string' || !/^\d+$/.test(sub) || typeof username !== 'string' ||
        typeof iat !== 'number' || typeof exp !== 'number') {
      throw new InvalidToken('Token is invalid.');
    }
    return { sub, username, email: email ?? null, full_name: full_name ?? '', iat, exp };
  }
}
