// The authorization server's signing key: an ES256 (P-256) key derived from SECRET_KEY, so
// every node signs with the same key without a key file to distribute, and a former key in
// SECRET_KEY_FALLBACKS stays published (JWKS) for the tokens it signed. ID tokens of the
// OAuth2 flow (oidc-provider) and the partner's application ID tokens (id-tokens.ts) are
// signed with it and verify against the one JWKS.
import { createECDH, createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { deriveKey } from '../identity/secrets.js';

/** A private P-256 key as a JWK (the shape oidc-provider's `jwks` takes). */
export interface SigningJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

// The order of P-256: a private scalar must be in [1, N).
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

export function signingJwk(secret: string): SigningJwk {
  for (let round = 0; ; round += 1) {
    const d = deriveKey(secret, `oauth2-signing-key-es256-${round}`);
    const scalar = BigInt(`0x${d.toString('hex')}`);
    if (scalar === 0n || scalar >= N) continue;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(d);
    const point = ecdh.getPublicKey(); // 0x04 || x || y
    const x = point.subarray(1, 33).toString('base64url');
    const y = point.subarray(33, 65).toString('base64url');
    // RFC 7638 thumbprint: the kid names the key, so a verifier picks the right one after a rotation.
    const kid = createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${x}","y":"${y}"}`).digest('base64url');
    return { kty: 'EC', crv: 'P-256', x, y, d: d.toString('base64url'), kid, alg: 'ES256', use: 'sig' };
  }
}

/** The current key first, then former ones (verification only: a signer takes the first). */
export function signingJwks(secrets: readonly string[]): SigningJwk[] {
  return secrets.map(signingJwk);
}

function keyObject(jwk: SigningJwk): KeyObject {
  return createPrivateKey({ key: { ...jwk }, format: 'jwk' });
}

/** A compact JWS (ES256) of `claims`, signed with `jwk`. */
export function signJwt(jwk: SigningJwk, claims: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: jwk.kid })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), { key: keyObject(jwk), dsaEncoding: 'ieee-p1363' });
  return `${header}.${body}.${signature.toString('base64url')}`;
}
