// JSON Web Tokens. Every token names the key that signed it (`kid`); the first
// SECRET_KEY signs, and the older ones listed after it still verify, so rotating the
// secret does not log anybody out before their token expires.
// fast-jwt signs and verifies with node:crypto synchronously: an order of magnitude
// cheaper than WebCrypto on this hot path (every authenticated request verifies one).
import { createHash } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { deriveKey } from './secrets.js';

export interface TokenClaims {
  /** The user's internal id, as a string. */
  sub: string;
  username: string;
  email: string | null;
  full_name: string;
  iat: number;
  exp: number;
  /** When the user's password last changed (ms since the epoch, 0 for never), if known. */
  pwc?: number;
  /** The session the token belongs to (src/core/identity/sessions.ts). */
  sid?: string;
  /** When that session began (seconds since the epoch): refresh never goes past its maximum age. */
  sat?: number;
}

/** The session a token is issued in. */
export interface TokenSession {
  id: string;
  startedAt: Date;
  /** The token expires then at the latest (the session's maximum age). */
  notAfter?: Date;
}

export interface TokenSubject {
  id: number;
  slug: string;
  email: string | null;
  full_name: string;
  /** Given, it is written in the token so a later password change ends it exactly. */
  password_changed_at?: Date | null;
}

export class InvalidToken extends Error {
  constructor(message: string, readonly code: 'token.invalid' | 'token.expired' = 'token.invalid') {
    super(message);
  }
}

type Sign = (payload: Record<string, unknown>) => string;
type Verify = (token: string) => Record<string, unknown>;

/** What an ID token says about its user (OpenID Connect's standard claims). */
export interface IdTokenSubject {
  id: number;
  email: string | null;
  email_verified: boolean;
  full_name: string;
}

export class TokenService {
  readonly #sign: Sign;
  /** ID tokens are signed with a key of their own: one can never pass for an access token. */
  readonly #signId: Sign;
  readonly #currentKid: string;
  readonly #verifiers: Map<string, Verify>;
  /**
   * Tokens whose signature and claims were checked, by their exact text, oldest first. A hit
   * skips the HMAC, the decoding and the parse; expiry is still checked on each use, and the
   * session, suspension and password checks run after verify() whatever it answers. Only
   * tokens we signed get in, and the size is capped, so nobody can fill it with garbage.
   */
  readonly #verified = new Map<string, Readonly<TokenClaims>>();
  static readonly MEMO_SIZE = 10_000;

  // iat and exp are set by us (from the service clock); fast-jwt keeps a given iat.
  constructor(secrets: string[], readonly lifetimeSeconds: number) {
    if (secrets.length === 0) throw new Error('at least one secret is needed to sign tokens');
    const keys = secrets.map((secret) => {
      const raw = deriveKey(secret, 'jwt-hs256');
      return { kid: createHash('sha256').update(raw).digest('base64url').slice(0, 16), raw };
    });
    this.#currentKid = keys[0].kid;
    this.#sign = createSigner({ key: keys[0].raw, algorithm: 'HS256', kid: keys[0].kid }) as Sign;
    const idKey = deriveKey(secrets[0], 'id-token-hs256');
    this.#signId = createSigner({ key: idKey, algorithm: 'HS256', kid: createHash('sha256').update(idKey).digest('base64url').slice(0, 16) }) as Sign;
    // Expiry is checked below against the service clock, so tests can move time.
    this.#verifiers = new Map(keys.map((k) => [k.kid,
      createVerifier({ key: k.raw, algorithms: ['HS256'], ignoreExpiration: true, ignoreNotBefore: true }) as Verify]));
  }

  get currentKid(): string {
    return this.#currentKid;
  }

  async issue(user: TokenSubject, session: TokenSession, now: Date): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    const cap = session.notAfter ? Math.floor(session.notAfter.getTime() / 1000) : Infinity;
    return this.#sign({
      username: user.slug,
      email: user.email,
      full_name: user.full_name,
      sub: String(user.id),
      sid: session.id,
      sat: Math.floor(session.startedAt.getTime() / 1000),
      iat,
      exp: Math.min(iat + this.lifetimeSeconds, cap),
      ...(user.password_changed_at !== undefined ? { pwc: user.password_changed_at?.getTime() ?? 0 } : {}),
    });
  }

  /**
   * An OpenID Connect ID token: who authenticated, for `audience`, until `lifetimeSeconds`
   * from now. A statement about the user, not a credential: the authentication hook
   * refuses it (its key id is not one of the access-token keys).
   */
  issueIdToken(user: IdTokenSubject, issuer: string, audience: string, now: Date, lifetimeSeconds: number, extra: Record<string, unknown> = {}): string {
    const iat = Math.floor(now.getTime() / 1000);
    return this.#signId({
      ...extra,
      iss: issuer,
      aud: audience,
      sub: String(user.id),
      email: user.email,
      email_verified: user.email_verified,
      name: user.full_name,
      auth_time: iat,
      iat,
      exp: iat + lifetimeSeconds,
    });
  }

  /** Checks signature and expiry; throws InvalidToken with a reason fit to show. */
  async verify(token: string, now: Date): Promise<Readonly<TokenClaims>> {
    return this.verifySync(token, now);
  }

  /** verify(), without the promise: for the request hook, which runs it on every request. */
  verifySync(token: string, now: Date): Readonly<TokenClaims> {
    let claims = this.#verified.get(token);
    const fresh = claims === undefined;
    claims ??= this.#check(token);
    if (claims.exp <= Math.floor(now.getTime() / 1000)) {
      if (!fresh) this.#verified.delete(token);
      throw new InvalidToken('Token has expired.', 'token.expired');
    }
    if (fresh) {
      if (this.#verified.size >= TokenService.MEMO_SIZE) this.#verified.delete(this.#verified.keys().next().value!);
      this.#verified.set(token, claims);
    }
    return claims;
  }

  /** Signature and the claims' shape, without expiry (checked against the caller's clock). */
  #check(token: string): Readonly<TokenClaims> {
    const verifier = this.#verifiers.get(kidOf(token) ?? '');
    // One answer for every malformed or foreign token: which keys we know is nobody's business.
    if (!verifier) throw new InvalidToken('Token is invalid.');
    let payload: Record<string, unknown>;
    try {
      payload = verifier(token);
    } catch {
      throw new InvalidToken('Token is invalid.');
    }
    const { sub, username, email, full_name, iat, exp, pwc, sid, sat } = payload as Partial<TokenClaims>;
    if (typeof sub !== 'string' || !/^\d+$/.test(sub) || typeof username !== 'string' ||
        typeof iat !== 'number' || typeof exp !== 'number') {
      throw new InvalidToken('Token is invalid.');
    }
    // Frozen: one object answers every request that brings this token.
    return Object.freeze({
      sub, username, email: email ?? null, full_name: full_name ?? '', iat, exp,
      ...(typeof pwc === 'number' ? { pwc } : {}),
      ...(typeof sid === 'string' ? { sid } : {}),
      ...(typeof sat === 'number' ? { sat } : {}),
    });
  }
}

/** The `kid` of a token's header; undefined when the header cannot be read. */
function kidOf(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot > 512) return undefined;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8')) as { kid?: unknown; alg?: unknown };
    return typeof header.kid === 'string' && header.alg === 'HS256' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
