// Message signing (Accountcentral's "Apply the DKIM signature(s) to an email message"): the
// customer's key for the sender's domain (exact domain, else its default, else the
// platform's) adds a DKIM-Signature, and mail to a recipient domain with an FBL also gets the
// FBL's signature. Signatures are made by nodemailer's DKIM signer: rsa-sha256,
// relaxed/relaxed (RFC 6376), the headers RFC 6376 5.4.1 recommends (the FBL's own list for
// its signature).
//
// Who may: the seed shows this operation without authorization, but it makes mail that
// receivers trust as the customer's: anyone who could call it could send phishing as the
// customer's domain. So the caller needs a credential of someone who holds an accepted role on
// the customer (a sending application's account, with its token or API key), unless the
// operator opens it (DKIM_SIGNING_OPEN=on, for a service only a trusted network reaches).
import DKIM from 'nodemailer/lib/dkim';
import addressparser from 'nodemailer/lib/addressparser';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { BadRequest, Invalid, Unauthenticated } from '../errors.js';
import { authorizeOrganizationOrOpen } from '../access/policy.js';
import { findOrganization } from '../memberships/role-views.js';
import { chooseSigningKey, platformKeysAllowed } from './dkims.js';
import { fblFor } from './fbls.js';
import { alignmentOf, signingDomain, unsealPrivateKey, type Alignment } from './keys.js';

export interface SignRequest {
  /** The whole message, headers and body. */
  message: string;
  /** Whose mail it is and to whom, when the headers should not decide. */
  data: { sender?: string; recipient?: string };
  applyDkim?: boolean;
  applyFbl?: boolean;
}

export interface SignedMessage {
  /** The message with its new DKIM-Signature header(s) on top, lines ending in CRLF. */
  message: string;
  dkim: { id: number; platform: boolean; domain: string; selector: string; alignment: Alignment; isDefault: boolean } | null;
  fbl: { id: string; esp: string; recipientDomain: string; domain: string; selector: string } | null;
}

/** Header fields by lower-case name, each field's values in order, unfolded. */
function headersOf(message: string): Map<string, string[]> {
  const end = message.indexOf('\r\n\r\n');
  const block = end === -1 ? message : message.slice(0, end);
  const fields = new Map<string, string[]>();
  for (const line of block.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/** The domain of the first address in header values. */
function firstAddressDomain(values: string[] | undefined): string | null {
  for (const value of values ?? []) {
    for (const entry of addressparser(value, { flatten: true })) {
      const address = 'address' in entry ? entry.address : '';
      const at = address?.lastIndexOf('@') ?? -1;
      if (address && at > 0) return address.slice(at + 1);
    }
  }
  return null;
}

/** A domain, or the domain of an address. */
function domainOfGiven(raw: string, field: string): string {
  const at = raw.lastIndexOf('@');
  return signingDomain(at >= 0 ? raw.slice(at + 1) : raw, field);
}

async function signWith(message: string, key: { domain: string; selector: string; privateKey: string }, headerFieldNames?: string): Promise<string> {
  const signer = new DKIM({ domainName: key.domain, keySelector: key.selector, privateKey: key.privateKey, headerFieldNames });
  const chunks: Buffer[] = [];
  for await (const chunk of signer.sign(Buffer.from(message, 'utf8'))) chunks.push(chunk as Buffer);
  const signed = Buffer.concat(chunks).toString('utf8');
  // The signer leaves a message unsigned when its key cannot sign; keys are checked when
  // stored, so that is a fault here, never an unsigned answer.
  if (!signed.startsWith('DKIM-Signature:')) throw new Error('the DKIM signer added no signature');
  return signed;
}

export async function signMessage(core: Core, caller: Caller, orgRef: Ref, request: SignRequest): Promise<SignedMessage> {
  if (caller.kind !== 'user' && !core.config.dkimSigningOpen) throw new Unauthenticated();
  const org = await findOrganization(core.db, orgRef);
  await authorizeOrganizationOrOpen(core, caller, 'organization.dkim.sign', org, core.config.dkimSigningOpen);
  // SMTP carries lines ending in CRLF: the signature is made over what receivers will see.
  let message = request.message.replace(/\r\n|\r|\n/g, '\r\n');
  const headers = headersOf(message);
  if (!headers.has('from')) throw new Invalid('message', 'The message has no From header: DKIM must sign it (RFC 6376 5.4).');
  const sender = request.data.sender?.trim()
    ? domainOfGiven(request.data.sender, 'data.sender')
    : (() => {
      const found = firstAddressDomain(headers.get('from'));
      if (!found) throw new Invalid('message', 'The From header has no address with a domain.');
      return signingDomain(found, 'message');
    })();
  const recipientRaw = request.data.recipient?.trim() ? request.data.recipient : firstAddressDomain(headers.get('to'));
  const recipient = recipientRaw ? domainOfGiven(recipientRaw, 'data.recipient') : null;

  let dkim: SignedMessage['dkim'] = null;
  if (request.applyDkim ?? true) {
    const chosen = await chooseSigningKey(core, org.id, sender);
    if (!chosen) throw new BadRequest('This customer has no active DKIM key, and the platform\'s is not there or not for it (DKIM_PLATFORM_SIGNING).', 'dkim.no_signing_key');
    const key = chosen.row
      ? { id: chosen.row.id, platform: false, domain: chosen.row.domain, selector: chosen.row.selector, sealed: chosen.row.private_key_sealed, isDefault: chosen.row.is_default }
      : { id: 0, platform: true, domain: chosen.platform!.domain, selector: chosen.platform!.selector, sealed: chosen.platform!.private_key_sealed, isDefault: false };
    message = await signWith(message, { domain: key.domain, selector: key.selector, privateKey: unsealPrivateKey(core, key.sealed) });
    dkim = { id: key.id, platform: key.platform, domain: key.domain, selector: key.selector, alignment: alignmentOf(key.domain, sender), isDefault: key.isDefault };
  }
  let fbl: SignedMessage['fbl'] = null;
  const loop = (request.applyFbl ?? true) && recipient && (await platformKeysAllowed(core, org.id)) ? await fblFor(core, recipient) : null;
  if (loop) {
    message = await signWith(message, { domain: loop.domain, selector: loop.selector, privateKey: unsealPrivateKey(core, loop.sealed) }, loop.headers.join(':'));
    fbl = { id: loop.id, esp: loop.esp, recipientDomain: loop.recipientDomain, domain: loop.domain, selector: loop.selector };
  }
  return { message, dkim, fbl };
}
