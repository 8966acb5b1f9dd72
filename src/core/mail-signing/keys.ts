// DKIM key material: what a key pair given by a client must be, how the private key is kept
// (sealed with a key derived from SECRET_KEY: the service signs with it, so it must read it
// back, and a copy of the database alone signs nothing), and the DNS record that publishes
// the public key. RSA only: the signer (nodemailer's) signs rsa-sha256, what every receiver
// verifies; ed25519-sha256 (RFC 8463) is not yet verified everywhere.
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Core } from '../context.js';
import { decrypt, deriveKey, encrypt } from '../crypto.js';
import { Conflict, Invalid } from '../errors.js';
import { safeEqual } from '../identity/secrets.js';
import { DOMAIN_NAME } from '../memberships/domains.js';

const PURPOSE = 'dkim-private-key';
/** RFC 8301: signers use at least 1024 bits, verifiers accept up to 4096. */
const MIN_BITS = 1024;
const MAX_BITS = 4096;
/** What a generated key has (RFC 8301 recommends 2048). */
export const GENERATED_BITS = 2048;

/** A selector: one or more DNS labels (RFC 6376 3.1). */
const SELECTOR = /^(?=.{1,200}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A signing domain, lower-case without its final dot; `field` names it in the error. */
export function signingDomain(raw: string, field: string): string {
  const domain = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_NAME.test(domain)) throw new Invalid(field, 'Enter a domain name such as example.com.');
  return domain;
}

export function selectorName(raw: string, field: string): string {
  const selector = raw.trim().toLowerCase();
  if (!SELECTOR.test(selector)) throw new Invalid(field, 'A selector is one or more DNS labels (letters, digits, hyphens), such as mail2024.');
  return selector;
}

/** The private key in a PEM the client gave: RSA, unencrypted, of a size receivers verify. */
function privateKeyOf(pem: string, field: string): KeyObject {
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) {
    throw new Invalid(field, 'Give the RSA private key in PEM ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----"), without a passphrase.');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Invalid(field, 'This is not a readable PEM private key (a key with a passphrase is refused: give it without).');
  }
  checkRsa(key, field);
  return key;
}

function checkRsa(key: KeyObject, field: string): void {
  if (key.asymmetricKeyType !== 'rsa') throw new Invalid(field, 'Only RSA keys are supported (rsa-sha256).');
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_BITS || bits > MAX_BITS) throw new Invalid(field, `An RSA key of ${MIN_BITS} to ${MAX_BITS} bits is needed; this one has ${bits}.`);
}

/**
 * The public key as PEM (SPKI). Accepted: PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`), the bare
 * base64 of the DNS record's `p=` tag, or the whole record (`v=DKIM1; k=rsa; p=...`).
 */
function publicKeyOf(raw: string, field: string): KeyObject {
  const text = raw.trim();
  if (text.includes('PRIVATE KEY')) throw new Invalid(field, 'This is a private key: give the public key here.');
  let key: KeyObject;
  try {
    if (text.includes('-----BEGIN')) key = createPublicKey({ key: text, format: 'pem' });
    else {
      const p = /(?:^|;)\s*p\s*=\s*([A-Za-z0-9+/=\s]+)/.exec(text)?.[1] ?? text;
      const base64 = p.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new Error('not base64');
      key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
    }
  } catch {
    throw new Invalid(field, 'Give the public key in PEM ("-----BEGIN PUBLIC KEY-----"), or the base64 of its DNS record\'s p= tag.');
  }
  if (key.type !== 'public') throw new Invalid(field, 'This is not a public key.');
  checkRsa(key, field);
  return key;
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/** A key pair checked and ready to store: the public key as PEM, the private key sealed. */
export interface KeyPair {
  publicKey: string;
  privateKeySealed: string;
}

/**
 * Checks a key pair a client gave: the private key (PEM, or the sealed value this service
 * answered for the key being changed, `keep`, which keeps it), and the public key, which must
 * be the private key's. `fields` names the two in errors.
 */
export function checkKeyPair(
  core: Pick<Core, 'config'>,
  given: { publicKey: string; privateKey: string },
  fields: { publicKey: string; privateKey: string },
  keep?: string,
): KeyPair {
  let privateKey: KeyObject;
  let sealed: string | null = null;
  if (keep !== undefined && safeEqual(given.privateKey.trim(), keep)) {
    privateKey = createPrivateKey({ key: unsealPrivateKey(core, keep), format: 'pem' });
    sealed = keep;
  } else {
    if (!given.privateKey.includes('-----BEGIN') && given.privateKey.trim().startsWith('v1.')) {
      throw new Invalid(fields.privateKey, 'This sealed value is not this key\'s: give the private key in PEM, or the sealed value this key answers.');
    }
    privateKey = privateKeyOf(given.privateKey, fields.privateKey);
  }
  const publicKey = publicKeyOf(given.publicKey, fields.publicKey);
  if (!spki(createPublicKey(privateKey)).equals(spki(publicKey))) {
    throw new Invalid(fields.publicKey, 'This public key is not the private key\'s.', 'dkim.key_mismatch');
  }
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeySealed: sealed ?? sealPrivateKey(core, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
  };
}

/** A new RSA key pair, made here: the private key never leaves the service unsealed. */
export async function generateKeyPairSealed(core: Pick<Core, 'config'>): Promise<KeyPair> {
  const pair = await promisify(generateKeyPair)('rsa', { modulusLength: GENERATED_BITS });
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeySealed: sealPrivateKey(core, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
  };
}

function sealPrivateKey(core: Pick<Core, 'config'>, pem: string): string {
  return encrypt(pem, deriveKey(core.config.secretKeys[0]!, PURPOSE));
}

/** Opens a sealed private key with the current secret or a former one (SECRET_KEY_FALLBACKS). */
export function unsealPrivateKey(core: Pick<Core, 'config'>, sealed: string): string {
  for (const secretKey of core.config.secretKeys) {
    try {
      return decrypt(sealed, deriveKey(secretKey, PURPOSE));
    } catch {
      // Sealed under another of the secrets, or under none the service still has.
    }
  }
  // The secret it was sealed under was dropped from SECRET_KEY_FALLBACKS: the key is lost.
  throw new Conflict('This private key was sealed under a secret the service no longer has: register the key pair again.', 'dkim.key_unreadable');
}

/** The TXT record that publishes a public key: `<selector>._domainkey.<domain>`. */
export interface DnsRecord {
  name: string;
  type: 'TXT';
  value: string;
}

export function dnsRecordOf(key: { domain: string; selector: string; publicKey: string }): DnsRecord {
  const der = createPublicKey({ key: key.publicKey, format: 'pem' }).export({ type: 'spki', format: 'der' });
  return { name: `${key.selector}._domainkey.${key.domain}`, type: 'TXT', value: `v=DKIM1; k=rsa; p=${der.toString('base64')}` };
}

/**
 * How a signing domain aligns with a sender's domain (DMARC's sense): `EXACT` the same
 * domain, `RELAXED` one below the other, `NONE` unrelated. Without a sender, a key is aligned
 * with its own domain: `EXACT`.
 */
export type Alignment = 'EXACT' | 'RELAXED' | 'NONE';

export function alignmentOf(keyDomain: string, sender: string | null): Alignment {
  if (sender === null || sender === keyDomain) return 'EXACT';
  if (sender.endsWith(`.${keyDomain}`) || keyDomain.endsWith(`.${sender}`)) return 'RELAXED';
  return 'NONE';
}
