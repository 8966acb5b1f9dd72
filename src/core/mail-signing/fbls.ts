// Feedback loops (FBLs): a mailbox provider that runs one (Yahoo's, for instance) reports
// complaints about mail signed with a key the ESP registered there. For each recipient domain
// with an FBL, the platform keeps that registration: the ESP's name, the headers its
// signature covers and its DKIM key; message signing adds that signature to mail sent to the
// domain. The broker's managers keep them.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { FblsTable } from '../../db/schema.js';
import { Conflict, Invalid, NotFound, Unauthenticated, isUniqueViolation } from '../errors.js';
import { authorizeSite } from '../access/policy.js';
import { paginate, type ListSpec, type Page } from '../pagination.js';
import { checkKeyPair, dnsRecordOf, selectorName, signingDomain, type DnsRecord } from './keys.js';

type FblRow = Selectable<FblsTable>;

/** The headers an FBL signature covers when none are given: those RFC 6376 (5.4.1) recommends. */
export const DEFAULT_SIGNABLE_HEADERS = ['From', 'To', 'Subject', 'Date', 'Message-ID', 'Reply-To', 'Cc', 'MIME-Version', 'Content-Type'];
/** A header field name (RFC 5322 3.6.8): printable ASCII but the colon. */
const HEADER_NAME = /^[!-9;-~]{1,76}$/;

export interface FblView {
  id: string;
  esp: string;
  recipientDomain: string;
  signableHeaders: string[];
  dkim: { domain: string; selector: string; publicKey: string; privateKey: string; dnsRecord: DnsRecord };
}

export interface FblInput {
  esp: string;
  recipientDomain: string;
  signableHeaders?: string[];
  dkim: { domain: string; selector: string; publicKey: string; privateKey: string };
}

function headersOf(row: FblRow): string[] {
  return Array.isArray(row.signable_headers) ? row.signable_headers.filter((h): h is string => typeof h === 'string') : [];
}

/** Those who read an FBL are the broker's managers: its private key is shown sealed. */
export function fblView(row: FblRow): FblView {
  return {
    id: row.id, esp: row.esp, recipientDomain: row.recipient_domain, signableHeaders: headersOf(row),
    dkim: {
      domain: row.dkim_domain, selector: row.dkim_selector, publicKey: row.dkim_public_key, privateKey: row.dkim_private_key_sealed,
      dnsRecord: dnsRecordOf({ domain: row.dkim_domain, selector: row.dkim_selector, publicKey: row.dkim_public_key }),
    },
  };
}

/** What a signature made for this FBL needs. */
export interface FblSigner {
  id: string;
  esp: string;
  recipientDomain: string;
  domain: string;
  selector: string;
  sealed: string;
  headers: string[];
}

/** The FBL of a recipient domain, if it has one. */
export async function fblFor(core: Core, recipientDomain: string): Promise<FblSigner | null> {
  const row = await core.db.selectFrom('fbls').selectAll().where('recipient_domain', '=', recipientDomain).executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id, esp: row.esp, recipientDomain: row.recipient_domain, domain: row.dkim_domain, selector: row.dkim_selector,
    sealed: row.dkim_private_key_sealed, headers: headersOf(row),
  };
}

const LIST: ListSpec = { orderable: { recipientDomain: 'recipient_domain' }, searchable: [], defaultOrder: ['recipientDomain'], tieBreaker: 'id' };

export async function listFbls(core: Core, caller: Caller, window: { page: number; pageSize: number }): Promise<Page<FblView>> {
  await authorizeSite(core, caller, 'mail_signing.administer');
  const page = await paginate(core.db.selectFrom('fbls').selectAll(), { ...window, order: [] }, LIST);
  return { count: page.count, results: page.results.map(fblView) };
}

async function fblRow(core: Core, id: string): Promise<FblRow> {
  const row = await core.db.selectFrom('fbls').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound('fbl', 'No FBL has this id.');
  return row;
}

/** Checks an FBL's fields; `keep` is the sealed private key of the FBL being changed. */
function checkFbl(core: Core, input: FblInput, keep?: string) {
  const esp = input.esp.trim();
  if (!esp) throw new Invalid('esp', 'Name the ESP this FBL is registered for.');
  const recipientDomain = signingDomain(input.recipientDomain, 'recipientDomain');
  const given = input.signableHeaders ?? DEFAULT_SIGNABLE_HEADERS;
  const bad = given.find((h) => !HEADER_NAME.test(h.trim()));
  if (bad !== undefined) throw new Invalid('signableHeaders', `"${bad.slice(0, 80)}" is not a header field name.`);
  // From is what DKIM must sign (RFC 6376 5.4); each name once.
  const headers = [...new Map(['From', ...given.map((h) => h.trim())].map((h) => [h.toLowerCase(), h])).values()];
  const domain = signingDomain(input.dkim.domain, 'dkim.domain');
  const selector = selectorName(input.dkim.selector, 'dkim.selector');
  const pair = checkKeyPair(core, input.dkim, { publicKey: 'dkim.publicKey', privateKey: 'dkim.privateKey' }, keep);
  return {
    esp, recipient_domain: recipientDomain, signable_headers: JSON.stringify(headers), dkim_domain: domain, dkim_selector: selector,
    dkim_public_key: pair.publicKey, dkim_private_key_sealed: pair.privateKeySealed,
  };
}

const TAKEN = 'Another FBL already covers this recipient domain.';

export async function createFbl(core: Core, caller: Caller, input: FblInput): Promise<FblView> {
  await authorizeSite(core, caller, 'mail_signing.administer');
  if (caller.kind !== 'user') throw new Unauthenticated();
  const values = checkFbl(core, input);
  const now = core.now();
  try {
    const row = await core.db.insertInto('fbls').values({ id: randomUUID(), ...values, created_by: caller.userId, created_at: now, updated_at: now })
      .returningAll().executeTakeFirstOrThrow();
    return fblView(row);
  } catch (error) {
    if (isUniqueViolation(error, 'fbls_recipient_domain')) throw new Conflict(TAKEN, 'fbl.exists', { recipientDomain: [TAKEN] });
    throw error;
  }
}

/** Replaces an FBL's fields; `dkim.privateKey` may be the sealed value answered, keeping the key. */
export async function updateFbl(core: Core, caller: Caller, id: string, input: FblInput): Promise<FblView> {
  await authorizeSite(core, caller, 'mail_signing.administer');
  const existing = await fblRow(core, id);
  const values = checkFbl(core, input, existing.dkim_private_key_sealed);
  try {
    const row = await core.db.updateTable('fbls').set({ ...values, updated_at: core.now() }).where('id', '=', id)
      .returningAll().executeTakeFirst();
    if (!row) throw new NotFound('fbl', 'No FBL has this id.');
    return fblView(row);
  } catch (error) {
    if (isUniqueViolation(error, 'fbls_recipient_domain')) throw new Conflict(TAKEN, 'fbl.exists', { recipientDomain: [TAKEN] });
    throw error;
  }
}

export async function deleteFbl(core: Core, caller: Caller, id: string): Promise<void> {
  await authorizeSite(core, caller, 'mail_signing.administer');
  const deleted = await core.db.deleteFrom('fbls').where('id', '=', id).executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0) throw new NotFound('fbl', 'No FBL has this id.');
}
