// Legal agreements (terms of use...): documents the broker's managers publish in versions,
// and users' signatures. A signature names the version signed, so a new version is unsigned
// by everyone until they sign it again. An agreement the broker requires at checkout must be
// signed in its current version by whoever places an order (billing/checkout.ts asks
// `assertCheckoutTermsSigned`).
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import { authorizeSite } from '../access/policy.js';
import { requireUser } from '../organizations/profiles.js';
import { DomainError, Invalid, NotFound, isUniqueViolation, type FieldErrors } from '../errors.js';

export const AGREEMENT_SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_AGREEMENT_TEXT = 200_000;

export interface AgreementSummary {
  slug: string;
  title: string;
  /** When its current version was published. */
  updatedAt: Date;
  version: number;
  requiredAtCheckout: boolean;
}

export interface Agreement extends AgreementSummary {
  text: string;
  /** When the caller last signed the current version; null when they have not (or are anonymous). */
  lastSigned: Date | null;
}

/**
 * Checkout refused: the broker requires this agreement signed and the caller has not signed
 * its current version. Forbidden, with the agreement's slug as the field `agreement` so a
 * client can send the user to read and sign it.
 */
export class TermsUnsigned extends DomainError {
  readonly kind = 'forbidden';
  constructor(readonly agreement: string, title: string) {
    super('legal.terms_unsigned', `Read and sign the current "${title}" (${agreement}) before checking out.`, { agreement: [agreement] });
  }
}

/** Each agreement with its current (highest) version. */
function selectCurrent(core: Core) {
  return core.db.selectFrom('legal_agreements as a')
    .innerJoin('legal_agreement_versions as v', (join) => join.onRef('v.agreement_id', '=', 'a.id')
      .on('v.version', '=', sql<number>`(select max(w.version) from legal_agreement_versions w where w.agreement_id = a.id)`))
    .select(['a.id', 'a.slug', 'a.title', 'a.required_at_checkout', 'v.id as version_id', 'v.version', 'v.text', 'v.published_at']);
}

type CurrentRow = { slug: string; title: string; required_at_checkout: boolean; version: number; published_at: Date };

function summaryOf(row: CurrentRow): AgreementSummary {
  return { slug: row.slug, title: row.title, updatedAt: row.published_at, version: row.version, requiredAtCheckout: row.required_at_checkout };
}

async function findCurrent(core: Core, slug: string) {
  const row = await selectCurrent(core).where('a.slug', '=', slug).executeTakeFirst();
  if (!row) throw new NotFound('agreement', `No agreement is named "${slug}".`);
  return row;
}

async function signedAt(core: Core, userId: number, versionId: number): Promise<Date | null> {
  const row = await core.db.selectFrom('legal_signatures').select('signed_at')
    .where('user_id', '=', userId).where('version_id', '=', versionId).executeTakeFirst();
  return row?.signed_at ?? null;
}

/** Every agreement, in slug order: public (anyone may read what they would be asked to sign). */
export async function listAgreements(core: Core): Promise<AgreementSummary[]> {
  const rows = await selectCurrent(core).orderBy('a.slug').execute();
  return rows.map(summaryOf);
}

/** An agreement's current version, with when the caller signed it (if they did). */
export async function readAgreement(core: Core, caller: Caller, slug: string): Promise<Agreement> {
  const row = await findCurrent(core, slug);
  const lastSigned = caller.kind === 'user' ? await signedAt(core, caller.userId, row.version_id) : null;
  return { ...summaryOf(row), text: row.text, lastSigned };
}

/** The caller signs the current version (again: the time of signing moves). `readTerms` must be true. */
export async function signAgreement(core: Core, caller: Caller, slug: string, readTerms: boolean): Promise<{ readTerms: true; lastSigned: Date }> {
  await authorizeSite(core, caller, 'legal.sign');
  const user = requireUser(caller);
  if (readTerms !== true) throw new Invalid('read_terms', 'Confirm you have read and understood the terms: send true.');
  const row = await findCurrent(core, slug);
  const now = core.now();
  await core.db.insertInto('legal_signatures').values({ user_id: user.userId, version_id: row.version_id, signed_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'version_id']).doUpdateSet({ signed_at: now })).execute();
  return { readTerms: true, lastSigned: now };
}

function checkText(text: string, fields: FieldErrors): void {
  if (!text.trim()) fields.text = ['The text of the agreement cannot be empty.'];
  else if (text.length > MAX_AGREEMENT_TEXT) fields.text = [`At most ${MAX_AGREEMENT_TEXT} characters.`];
}

function checkTitle(title: string, fields: FieldErrors): void {
  if (!title.trim()) fields.title = ['The title cannot be empty.'];
}

export interface NewAgreement {
  slug: string;
  title: string;
  text: string;
  requiredAtCheckout?: boolean;
}

/** A new agreement with its first version (the broker's managers). */
export async function createAgreement(core: Core, caller: Caller, input: NewAgreement): Promise<Agreement> {
  await authorizeSite(core, caller, 'legal.publish');
  const fields: FieldErrors = {};
  if (!AGREEMENT_SLUG_PATTERN.test(input.slug)) fields.slug = ['Lowercase letters and digits, words joined by "-" (terms-of-use).'];
  checkTitle(input.title, fields);
  checkText(input.text, fields);
  if (Object.keys(fields).length) throw new Invalid(fields);
  const userId = caller.kind === 'user' ? caller.userId : null;
  try {
    await core.transact(async (tx) => {
      const now = core.now();
      const agreement = await tx.insertInto('legal_agreements').values({
        slug: input.slug, title: input.title.trim(), required_at_checkout: input.requiredAtCheckout ?? false, created_at: now,
      }).returning('id').executeTakeFirstOrThrow();
      await tx.insertInto('legal_agreement_versions').values({
        agreement_id: agreement.id, version: 1, text: input.text, published_at: now, published_by: userId,
      }).execute();
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Invalid('slug', `An agreement named "${input.slug}" already exists.`, 'slug.taken');
    throw error;
  }
  return readAgreement(core, caller, input.slug);
}

/**
 * Publishes a new version of the agreement's text (the broker's managers): it becomes the
 * current one, and every earlier signature stops counting for it.
 */
export async function publishVersion(core: Core, caller: Caller, slug: string, text: string): Promise<Agreement> {
  await authorizeSite(core, caller, 'legal.publish');
  const fields: FieldErrors = {};
  checkText(text, fields);
  if (Object.keys(fields).length) throw new Invalid(fields);
  const userId = caller.kind === 'user' ? caller.userId : null;
  await core.transact(async (tx) => {
    // Two publications at once number their versions one after the other.
    const agreement = await tx.selectFrom('legal_agreements').select('id').where('slug', '=', slug).forUpdate().executeTakeFirst();
    if (!agreement) throw new NotFound('agreement', `No agreement is named "${slug}".`);
    const last = await tx.selectFrom('legal_agreement_versions').select((eb) => eb.fn.max('version').as('version'))
      .where('agreement_id', '=', agreement.id).executeTakeFirstOrThrow();
    await tx.insertInto('legal_agreement_versions').values({
      agreement_id: agreement.id, version: Number(last.version ?? 0) + 1, text, published_at: core.now(), published_by: userId,
    }).execute();
  });
  return readAgreement(core, caller, slug);
}

/** Changes an agreement's title and whether checkout requires it signed (the broker's managers). */
export async function updateAgreement(
  core: Core, caller: Caller, slug: string, input: { title: string; requiredAtCheckout: boolean },
): Promise<Agreement> {
  await authorizeSite(core, caller, 'legal.publish');
  const fields: FieldErrors = {};
  checkTitle(input.title, fields);
  if (Object.keys(fields).length) throw new Invalid(fields);
  const updated = await core.db.updateTable('legal_agreements')
    .set({ title: input.title.trim(), required_at_checkout: input.requiredAtCheckout })
    .where('slug', '=', slug).returning('id').executeTakeFirst();
  if (!updated) throw new NotFound('agreement', `No agreement is named "${slug}".`);
  return readAgreement(core, caller, slug);
}

/**
 * Refuses checkout while an agreement the broker requires at checkout is not signed, in its
 * current version, by the user placing the order. Called inside the checkout's unit of work:
 * the share lock on the required agreements makes a publication or a change of what is
 * required wait for the order (publishVersion locks the row for update), so no order slips
 * in under a version its payer never saw.
 */
export async function assertCheckoutTermsSigned(core: Core, userId: number): Promise<void> {
  await core.db.selectFrom('legal_agreements').select('id').where('required_at_checkout', '=', true).forShare().execute();
  const unsigned = await selectCurrent(core)
    .where('a.required_at_checkout', '=', true)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('legal_signatures as s').select('s.id')
      .whereRef('s.version_id', '=', 'v.id').where('s.user_id', '=', userId))))
    .orderBy('a.slug').executeTakeFirst();
  if (unsigned) throw new TermsUnsigned(unsigned.slug, unsigned.title);
}
