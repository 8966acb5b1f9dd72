// Legal agreements: documents, their versions, and who signed which version when. A
// signature names a version, so publishing a new version asks everyone to sign again.
// The site starts with a terms-of-use document (not required at checkout until the
// broker's managers say so).
import { sql, type Kysely } from 'kysely';

/** The first text of the terms of use; the broker's managers publish their own versions over it. */
const TERMS_OF_USE = `Terms of Use
============

These terms apply to everyone who uses this site and the services sold on it ("the Service").
Signing them, or using the Service, means you accept them. If you do not accept them, do not
use the Service.

1. Your account
---------------

1.1 An account belongs to one person. Give each colleague an account of their own rather than
    sharing one.

1.2 Keep your password and keys to yourself. You answer for what is done with your account;
    tell us at once if you think someone else has used it.

1.3 Do not use the Service for anything unlawful, nor to harm other people or the Service itself.

2. Subscriptions and payment
----------------------------

2.1 A subscription is paid in advance for the period it covers. Its price, period and renewal
    are those shown when you check out.

2.2 A subscription that renews automatically is charged to the card on file at the start of
    each new period until it is cancelled. Cancelling stops the next renewal; the period
    already paid runs to its end.

2.3 An amount left unpaid stays due on the organization's balance until it is paid.

3. Your data
------------

3.1 What you put in the Service stays yours. We keep it to run the Service and for the time
    the law asks us to keep billing records.

4. Changes to these terms
-------------------------

4.1 We may publish a new version of these terms. You will be asked to sign the new version;
    until you do, some actions (such as checking out) may be refused.

5. Liability
------------

5.1 The Service is provided as it is. To the extent the law allows, we are not liable for
    indirect losses arising from its use.
`;

const up: string[] = [
  `create table legal_agreements (
    id bigserial primary key,
    slug text not null unique,
    title text not null,
    required_at_checkout boolean not null default false,
    created_at timestamptz not null default now()
  )`,
  `create table legal_agreement_versions (
    id bigserial primary key,
    agreement_id bigint not null references legal_agreements (id),
    version integer not null,
    text text not null,
    published_at timestamptz not null,
    published_by bigint references users (id) on delete set null,
    unique (agreement_id, version)
  )`,
  `create table legal_signatures (
    id bigserial primary key,
    user_id bigint not null references users (id) on delete cascade,
    version_id bigint not null references legal_agreement_versions (id),
    signed_at timestamptz not null,
    unique (user_id, version_id)
  )`,
  `create index legal_signatures_version on legal_signatures (version_id)`,
  `insert into legal_agreements (slug, title) values ('terms-of-use', 'Terms of Use')`,
  `insert into legal_agreement_versions (agreement_id, version, text, published_at)
    select id, 1, '${TERMS_OF_USE.replaceAll("'", "''")}', now() from legal_agreements where slug = 'terms-of-use'`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
