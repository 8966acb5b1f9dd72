// Accountcentral's named shapes for DKIM keys, FBLs and message signing.
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { Nullable, Pk, ref } from './common.js';

const PRIVATE_KEY_NOTE = 'Never answered in clear. Those who manage the keys (the customer\'s managers, the partners above '
  + 'it, the broker\'s managers: the seed\'s DKIM role) read it sealed, AES-256-GCM under a key only the service holds '
  + '(`v1.<nonce>.<tag>.<ciphertext>`); everyone else (the seed\'s CUSTOMER_CARE) reads null.';

export const AcDnsRecord = Type.Object({
  name: Type.String({ description: 'Where to publish it: `<selector>._domainkey.<domain>`.' }),
  type: Type.Literal('TXT'),
  value: Type.String({ description: 'The record\'s text: `v=DKIM1; k=rsa; p=<base64 of the public key>`.' }),
}, { $id: 'AcDnsRecord', description: 'The DNS TXT record that publishes a DKIM public key: receivers verify signatures with it.' });

export const AcDkim = Type.Object({
  id: Type.Integer({ description: 'The key\'s id (`dkimId`); 0 for the platform\'s key.' }),
  groupPk: Nullable(Type.Integer({ description: 'The customer the key is of; null for the platform\'s key. (Not in the seed\'s sample: added so that every customer\'s keys can be told apart.)' })),
  domain: Type.String({ description: 'The signing domain (`d=`), lower case.' }),
  selector: Type.String({ description: 'The selector (`s=`), lower case.' }),
  publicKey: Type.String({ description: 'The public key, PEM (SPKI).' }),
  privateKey: Nullable(Type.String({ description: `The private key. ${PRIVATE_KEY_NOTE}` })),
  alignment: Type.Union([Type.Literal('EXACT'), Type.Literal('RELAXED'), Type.Literal('NONE')], {
    description: 'How the signing domain aligns with the sender\'s domain asked for (DMARC\'s sense): `EXACT` the same '
      + 'domain, `RELAXED` one below the other, `NONE` unrelated (a default or platform key for another domain). '
      + 'Where no sender domain is in question (lists, by id), `EXACT`.',
  }),
  default: Type.Boolean({ description: 'Whether it is the customer\'s default key.' }),
  active: Type.Boolean({ description: 'Whether it signs. (Not in the seed\'s sample, which filters on it.)' }),
  dnsRecord: ref(AcDnsRecord, 'The TXT record to publish (an addition to the seed\'s shape).'),
}, { $id: 'AcDkim', description: 'A DKIM signing key.' });

const keyFields = {
  domain: Type.String({ minLength: 1, maxLength: 253, description: 'The signing domain (`d=`), such as example.com.' }),
  selector: Type.String({ minLength: 1, maxLength: 200, description: 'The selector (`s=`): DNS labels, such as mail2024.' }),
  publicKey: Type.String({ minLength: 1, maxLength: 10_000, description: 'The RSA public key: PEM, or the base64 of its DNS record\'s `p=` tag.' }),
  privateKey: Type.String({
    minLength: 1, maxLength: 20_000,
    description: 'The RSA private key (1024 to 4096 bits), PEM without a passphrase; on an update, the sealed value '
      + 'this key answers keeps the key. Stored sealed; never answered in clear.',
  }),
};

export const AcDkimInput = Type.Object({
  ...keyFields,
  active: Type.Boolean({ description: 'Whether the key signs. The customer\'s first active key becomes its default.' }),
}, { additionalProperties: false, description: 'A DKIM key pair to register, or all of a key\'s fields to replace.' });

export const AcDkimGenerate = Type.Object({
  domain: keyFields.domain,
  selector: keyFields.selector,
  active: Type.Boolean({ default: true, description: 'Whether the key signs at once (true when not given). Publish its DNS record first when it is to be active.' }),
}, { additionalProperties: false, description: 'A key pair to be made by the service.' });

export const AcDkimDefault = Type.Object({
  id: Pk('The id of the key to be the default (an active key of the customer).'),
}, { additionalProperties: false });

export const AcPlatformDkim = Type.Object({
  domain: Type.String({ description: 'The signing domain (`d=`).' }),
  selector: Type.String({ description: 'The selector (`s=`).' }),
  publicKey: Type.String({ description: 'The public key, PEM (SPKI).' }),
  privateKey: Nullable(Type.String({ description: 'The private key, sealed (AES-256-GCM under a key only the service holds): it is answered to the broker\'s managers only, and never in clear.' })),
  dnsRecord: ref(AcDnsRecord),
}, { $id: 'AcPlatformDkim', description: 'A DKIM key that is not a customer\'s: the platform\'s, or an FBL\'s.' });

export const AcPlatformDkimInput = Type.Object(keyFields, {
  additionalProperties: false, description: 'A DKIM key pair (the sealed value answered, as `privateKey`, keeps the key).',
});

export const AcFbl = Type.Object({
  id: Type.String({ description: 'The FBL\'s id (a UUID; the `uuid` of its paths).' }),
  esp: Type.String({ description: 'The ESP the feedback loop is registered for.' }),
  recipientDomain: Type.String({ description: 'The recipient domain whose mail gets this signature.' }),
  signableHeaders: Type.Array(Type.String(), { description: 'The header fields the signature covers (From always).' }),
  dkim: ref(AcPlatformDkim, 'The key that signs for the FBL.'),
}, { $id: 'AcFbl', description: 'A feedback loop: the signature an ESP registered with a mailbox provider\'s FBL.' });

export const AcFblInput = Type.Object({
  esp: Type.String({ minLength: 1, maxLength: 200, description: 'The ESP\'s name. Required here (the seed marks nothing required: an FBL without it would be meaningless).' }),
  recipientDomain: Type.String({ minLength: 1, maxLength: 253, description: 'The recipient domain (one FBL per domain). Required.' }),
  signableHeaders: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 76 }), {
    maxItems: 50, description: 'Header field names to sign; From is always added. When not given: From, To, Subject, Date, Message-ID, Reply-To, Cc, MIME-Version, Content-Type.',
  })),
  dkim: Type.Object(keyFields, { additionalProperties: false, description: 'The key that signs for the FBL (the sealed value answered, as `privateKey`, keeps the key). Required.' }),
}, { additionalProperties: false, description: 'An FBL to create, or all of an FBL\'s fields to replace.' });

export const AcMessageSigningData = Type.Object({
  sender: Type.Optional(Type.String({ maxLength: 320, description: 'The sender\'s address or domain whose key signs; the From header\'s domain when not given.' })),
  recipient: Type.Optional(Type.String({ maxLength: 320, description: 'The recipient\'s address or domain, which picks the FBL; the first To address\'s domain when not given.' })),
}, {
  additionalProperties: false,
  description: 'What the headers would otherwise tell (the seed lost this shape\'s fields): the envelope\'s sender and recipient.',
});

export const AcMessageSigning = Type.Object({
  message: Type.String({ minLength: 1, description: 'The message to be signed, headers and all (RFC 5322). Line ends may be LF or CRLF: the answer has CRLF, as SMTP sends it.' }),
  data: AcMessageSigningData,
  applyDkim: Type.Optional(Type.Boolean({ default: true, description: 'Whether the customer\'s (or the platform\'s) DKIM signature is applied (true when not given).' })),
  applyFbl: Type.Optional(Type.Boolean({ default: true, description: 'Whether the FBL signature is applied when the recipient domain has an FBL (true when not given).' })),
}, { additionalProperties: false, description: 'A message to sign (the seed\'s `data`, MessageSigningData, is required; `{}` lets the headers decide).' });

export const AcSignedMessage = Type.Object({
  message: Type.String({ description: 'The message with its DKIM-Signature header(s) on top.' }),
  dkim: Nullable(Type.Object({
    id: Type.Integer({ description: 'The key\'s id; 0 for the platform\'s key.' }),
    platform: Type.Boolean({ description: 'Whether the platform\'s key signed (the customer has no active key).' }),
    domain: Type.String({ description: '`d=`' }),
    selector: Type.String({ description: '`s=`' }),
    alignment: Type.String({ description: '`EXACT`, `RELAXED` or `NONE`: the signing domain against the sender\'s.' }),
    default: Type.Boolean({ description: 'Whether the customer\'s default key signed.' }),
  }, { description: 'The DKIM signature applied; null when `applyDkim` was false.' })),
  fbl: Nullable(Type.Object({
    id: Type.String(),
    esp: Type.String(),
    recipientDomain: Type.String(),
    domain: Type.String({ description: '`d=` of the FBL signature.' }),
    selector: Type.String({ description: '`s=` of the FBL signature.' }),
  }, { description: 'The FBL signature applied; null when none was (no FBL for the recipient domain, or `applyFbl` false).' })),
}, { $id: 'AcSignedMessage', description: 'The signed message, and which signatures were applied.' });

export const DKIM_SCHEMAS: TSchema[] = [
  AcDnsRecord, AcDkim, AcPlatformDkim, AcFbl, AcSignedMessage,
];
