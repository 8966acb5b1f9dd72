// Accountcentral: DKIM keys (a customer's and the platform's), FBLs and message signing.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  addCustomerDkim, deleteCustomerDkim, generateCustomerDkim, getCustomerDkim, getPlatformDkim, listAllCustomerDkims,
  listCustomerDkims, setDefaultDkim, setPlatformDkim, signingDkim, updateCustomerDkim,
} from '../../../core/mail-signing/dkims.js';
import { createFbl, deleteFbl, listFbls, updateFbl } from '../../../core/mail-signing/fbls.js';
import { signMessage } from '../../../core/mail-signing/sign.js';
import { AC, AcResult, GroupPkParams, PageQuery, Paged, Pk, TAGS, errors, ref } from '../schemas/common.js';
import {
  AcDkim, AcDkimDefault, AcDkimGenerate, AcDkimInput, AcFbl, AcFblInput, AcMessageSigning, AcPlatformDkim,
  AcPlatformDkimInput, AcSignedMessage,
} from '../schemas/dkim.js';
import { dkimJson, fblJson, platformDkimJson, signedJson } from '../shapes/dkim.js';
import { listWindow, pagedJson, resultJson } from '../shapes/common.js';

const DkimParams = Type.Object({ groupPk: GroupPkParams.properties.groupPk, dkimId: Pk('The key\'s id (`dkimId`).') });
const FblParams = Type.Object({ uuid: Type.String({ minLength: 1, maxLength: 64, description: 'The FBL\'s id.' }) });

const CUSTOMER_KEYS = 'A customer\'s keys are read by those who hold an accepted role on it (its members read `privateKey` '
  + 'as null), and managed by its managers, the managers of the partners above it and the broker\'s managers (who '
  + 'read `privateKey` sealed, never in clear).';
const BROKER_ONLY = 'For the broker\'s managers (the platform\'s staff).';
const KEY_RULES = 'The keys must be an RSA key pair (1024 to 4096 bits; rsa-sha256 is what every receiver verifies): '
  + '`privateKey` in PEM without a passphrase, `publicKey` in PEM or as the base64 of its DNS record\'s `p=` tag, '
  + 'and the public key must be the private key\'s (400 `dkim.key_mismatch`). `domain` is a domain name, `selector` '
  + 'DNS labels; both are kept in lower case. The private key is stored sealed (AES-256-GCM under a key derived '
  + 'from the operator\'s SECRET_KEY) and never answered in clear.';

const PagedDkims = Paged(ref(AcDkim), 'A page of DKIM keys.');

export const dkimRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get(`${AC}/customers/:groupPk/dkims`, {
    schema: {
      operationId: 'acGetCustomerDkims',
      summary: 'Get customers dkims',
      description: `Answers the customer's DKIM keys, by domain then selector, a page at a time (pages from 0). \`domain\` keeps the keys of that domain (exactly, case aside), \`default\` and \`active\` those with that flag. ${CUSTOMER_KEYS}`,
      tags: [TAGS.customers, TAGS.dkim],
      params: GroupPkParams,
      querystring: Type.Object({
        ...PageQuery,
        domain: Type.Optional(Type.String({ maxLength: 253, description: 'Filter the dkims by the specified domain.' })),
        default: Type.Optional(Type.Boolean({ description: 'Filter the dkims by the specified value (the default key, or the others).' })),
        active: Type.Optional(Type.Boolean({ description: 'Filter the dkims by active value.' })),
      }),
      response: { 200: PagedDkims, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const { domain, default: isDefault, active } = request.query;
    return pagedJson(await listCustomerDkims(core, request.caller, { id: request.params.groupPk }, { domain, isDefault, active }, window.core), window, dkimJson);
  });

  app.post(`${AC}/customers/:groupPk/dkims`, {
    schema: {
      operationId: 'acRegisterDkim',
      summary: 'Register a new dkim',
      description: `Registers a key pair the customer made. ${KEY_RULES} The customer's first active key becomes its default. The answer is the seed's Result; the \`Location\` header names the new key (\`.../dkims/{dkimId}\`). 409 \`dkim.exists\` when the customer has a key for this domain and selector. ${CUSTOMER_KEYS}`,
      tags: [TAGS.customers, TAGS.dkim],
      params: GroupPkParams,
      body: AcDkimInput,
      response: { 200: ref(AcResult), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const view = await addCustomerDkim(core, request.caller, { id: request.params.groupPk }, request.body);
    reply.header('location', `${AC}/customers/${request.params.groupPk}/dkims/${view.id}`);
    return resultJson(core, `Dkim ${view.id} registered for ${view.domain} (selector ${view.selector}).`);
  });

  app.post(`${AC}/customers/:groupPk/dkims/generate`, {
    schema: {
      operationId: 'acGenerateDkim',
      summary: 'Generate a new dkim',
      description: 'Not in the seed: makes a new RSA 2048 key pair for the customer here, so that no private key has to '
        + 'travel. The private key is sealed at once and never shown in clear; the answer gives the public key and the '
        + '`dnsRecord` to publish (`<selector>._domainkey.<domain>` TXT) before the key is used. The customer\'s first '
        + `active key becomes its default. 409 \`dkim.exists\` when the customer has a key for this domain and selector. ${CUSTOMER_KEYS}`,
      tags: [TAGS.customers, TAGS.dkim],
      params: GroupPkParams,
      body: AcDkimGenerate,
      response: { 201: ref(AcDkim, 'The new key.'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const view = await generateCustomerDkim(core, request.caller, { id: request.params.groupPk }, { ...request.body, active: request.body.active ?? true });
    reply.header('location', `${AC}/customers/${request.params.groupPk}/dkims/${view.id}`);
    return reply.code(201).send(dkimJson(view));
  });

  app.put(`${AC}/customers/:groupPk/dkims/default`, {
    schema: {
      operationId: 'acSetCustomerDefaultDkim',
      summary: 'Set customer default dkim',
      description: `Makes one of the customer's active keys its default (the key that signs mail from a domain none of its keys is for); the key that was the default no longer is. 400 \`dkim.inactive\` for an inactive key, 404 \`dkim.not_found\` for a key that is not the customer's. ${CUSTOMER_KEYS}`,
      tags: [TAGS.dkim],
      params: GroupPkParams,
      body: AcDkimDefault,
      response: { 200: ref(AcResult), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const view = await setDefaultDkim(core, request.caller, { id: request.params.groupPk }, request.body.id);
    return resultJson(core, `Dkim ${view.id} is the default.`);
  });

  app.get(`${AC}/customers/:groupPk/dkims/signing`, {
    schema: {
      operationId: 'acGetSigningDkim',
      summary: 'Get signing dkim by domain',
      description: 'Answers the key that signs the customer\'s mail from the sender domain `domain`: its active key for '
        + 'exactly that domain, else its default key (also when no domain is given), else, when the customer has no '
        + 'active key, the platform\'s key (`id` 0, `groupPk` null; its `privateKey` is answered sealed to the broker\'s '
        + 'managers only). `alignment` compares the key\'s domain with the one asked for. 404 `dkim.not_found` when '
        + `neither the customer nor the platform has a key. ${CUSTOMER_KEYS}`,
      tags: [TAGS.dkim],
      params: GroupPkParams,
      querystring: Type.Object({ domain: Type.Optional(Type.String({ maxLength: 253, description: 'sender domain to get the dkim from' })) }),
      response: { 200: ref(AcDkim), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => dkimJson(await signingDkim(core, request.caller, { id: request.params.groupPk }, request.query.domain)));

  app.get(`${AC}/customers/:groupPk/dkims/:dkimId`, {
    schema: {
      operationId: 'acGetCustomerDkimById',
      summary: 'Get customer dkim by id',
      description: `Answers one of the customer's keys. ${CUSTOMER_KEYS}`,
      tags: [TAGS.dkim],
      params: DkimParams,
      response: { 200: ref(AcDkim), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => dkimJson(await getCustomerDkim(core, request.caller, { id: request.params.groupPk }, request.params.dkimId)));

  app.put(`${AC}/customers/:groupPk/dkims/:dkimId`, {
    schema: {
      operationId: 'acUpdateDkim',
      summary: 'Update dkim',
      description: `Replaces all of a key's fields. ${KEY_RULES} To keep the key pair, send back the sealed \`privateKey\` this key answers (with its \`publicKey\`). Deactivating the default key makes the customer's oldest other active key the default. ${CUSTOMER_KEYS}`,
      tags: [TAGS.customers, TAGS.dkim],
      params: DkimParams,
      body: AcDkimInput,
      response: { 200: ref(AcResult), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const view = await updateCustomerDkim(core, request.caller, { id: request.params.groupPk }, request.params.dkimId, request.body);
    return resultJson(core, `Dkim ${view.id} updated.`);
  });

  app.delete(`${AC}/customers/:groupPk/dkims/:dkimId`, {
    schema: {
      operationId: 'acDeleteDkim',
      summary: 'Delete a dkim',
      description: `Deletes one of the customer's keys; when it was the default, the customer's oldest other active key becomes the default. ${CUSTOMER_KEYS}`,
      tags: [TAGS.customers, TAGS.dkim],
      params: DkimParams,
      response: { 200: ref(AcResult), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    await deleteCustomerDkim(core, request.caller, { id: request.params.groupPk }, request.params.dkimId);
    return resultJson(core, `Dkim ${request.params.dkimId} deleted.`);
  });

  app.post(`${AC}/customers/:groupPk/messages/sign`, {
    bodyLimit: Math.max(core.config.bodyLimitBytes, core.config.dkimSignMaxBytes),
    schema: {
      operationId: 'acSignMessage',
      summary: 'Apply the DKIM signature(s) to an email message',
      description: 'Signs the message (rsa-sha256, relaxed/relaxed canonicalization, RFC 6376) and answers it with its '
        + 'DKIM-Signature header(s) on top. The key that signs: the customer\'s active key for exactly the sender\'s '
        + 'domain (`data.sender`, else the From header\'s), else its default key, else the platform\'s key; 400 '
        + '`dkim.no_signing_key` when there is none. When the recipient\'s domain (`data.recipient`, else the first To '
        + 'address\'s) has an FBL, its signature is added too, over its `signableHeaders`. `applyDkim` and `applyFbl` '
        + '(true when not given) turn either off. The message must have a From header. Line ends are answered as CRLF. '
        + 'Authorization: the seed shows none, but a signature makes receivers trust mail as the customer\'s, so an '
        + 'open endpoint would let anyone send phishing in its name. The caller needs a credential (a bearer token or '
        + 'an API key) of a user holding an accepted role on the customer (its sending application\'s account, for '
        + 'one), or managing it from above; the operator may open it to everyone with DKIM_SIGNING_OPEN=on, for a '
        + 'service that only a trusted network reaches. A suspended customer\'s mail is not signed (403). The body may '
        + 'be up to DKIM_SIGN_MAX_BYTES (10 MiB by default).',
      tags: [TAGS.dkim, TAGS.customer],
      params: GroupPkParams,
      body: AcMessageSigning,
      response: { 200: ref(AcSignedMessage), ...errors(400, 401, 403, 404, 413) },
    },
  }, async (request) => signedJson(await signMessage(core, request.caller, { id: request.params.groupPk }, request.body)));

  app.get(`${AC}/dkims`, {
    schema: {
      operationId: 'acRetrieveAllCustomerDkims',
      summary: 'Retrieve all customer DKIMs',
      description: `Answers every customer's keys, by customer id (\`groupPk\`) then domain (then selector), a page at a time; closed customers' keys are left out. Private keys are answered sealed. ${BROKER_ONLY}`,
      tags: [TAGS.dkim],
      querystring: Type.Object({ ...PageQuery }),
      response: { 200: PagedDkims, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    return pagedJson(await listAllCustomerDkims(core, request.caller, window.core), window, dkimJson);
  });

  app.get(`${AC}/platform/dkim`, {
    schema: {
      operationId: 'acGetPlatformDkim',
      summary: 'Get platform dkim',
      description: `Answers the platform's key: the one that signs the mail of customers without an active key of their own. Its private key is answered sealed (the seed's DKIM role), never in clear. 404 \`dkim.not_found\` until it is set. ${BROKER_ONLY}`,
      tags: [TAGS.dkim],
      response: { 200: ref(AcPlatformDkim), ...errors(401, 403, 404) },
    },
  }, async (request) => platformDkimJson(await getPlatformDkim(core, request.caller)));

  app.put(`${AC}/platform/dkim`, {
    schema: {
      operationId: 'acUpdatePlatformDkim',
      summary: 'Update platform dkim',
      description: `Sets the platform's key. ${KEY_RULES} The sealed \`privateKey\` answered keeps the key pair. The private key is returned only sealed (AES), never in clear. ${BROKER_ONLY}`,
      tags: [TAGS.dkim],
      body: AcPlatformDkimInput,
      response: { 200: ref(AcPlatformDkim), ...errors(400, 401, 403) },
    },
  }, async (request) => platformDkimJson(await setPlatformDkim(core, request.caller, request.body)));

  app.get(`${AC}/fbls`, {
    schema: {
      operationId: 'acGetFbls',
      summary: 'Get fbls',
      description: `Answers the FBLs, by recipient domain, a page at a time (pages from 0). Their private keys are answered sealed. ${BROKER_ONLY}`,
      tags: [TAGS.dkim],
      querystring: Type.Object({ ...PageQuery }),
      response: { 200: Paged(ref(AcFbl), 'A page of FBLs.'), ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    return pagedJson(await listFbls(core, request.caller, window.core), window, fblJson);
  });

  app.post(`${AC}/fbls`, {
    schema: {
      operationId: 'acCreateFbl',
      summary: 'Create Fbl',
      description: `Registers a feedback loop: mail to \`recipientDomain\` is also signed with \`dkim\`, over \`signableHeaders\`. \`esp\`, \`recipientDomain\` and \`dkim\` are required (the seed marks nothing required, but an FBL without them cannot sign); one FBL per recipient domain (409 \`fbl.exists\`). ${KEY_RULES} The \`Location\` header names the new FBL. ${BROKER_ONLY}`,
      tags: [TAGS.dkim],
      body: AcFblInput,
      response: { 200: ref(AcFbl), ...errors(400, 401, 403, 409) },
    },
  }, async (request, reply) => {
    const view = await createFbl(core, request.caller, request.body);
    reply.header('location', `${AC}/fbls/${view.id}`);
    return fblJson(view);
  });

  app.put(`${AC}/fbls/:uuid`, {
    schema: {
      operationId: 'acUpdateFbl',
      summary: 'Update Fbl',
      description: `Replaces all of an FBL's fields, as when creating one; the sealed \`dkim.privateKey\` answered keeps its key pair. ${BROKER_ONLY}`,
      tags: [TAGS.dkim],
      params: FblParams,
      body: AcFblInput,
      response: { 200: ref(AcFbl), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => fblJson(await updateFbl(core, request.caller, request.params.uuid, request.body)));

  app.delete(`${AC}/fbls/:uuid`, {
    schema: {
      operationId: 'acDeleteFbls',
      summary: 'Delete fbls',
      description: `Deletes an FBL: mail to its recipient domain is no longer signed for it. The seed shows no answer: ours is its Result. ${BROKER_ONLY}`,
      tags: [TAGS.dkim],
      params: FblParams,
      response: { 200: ref(AcResult), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    await deleteFbl(core, request.caller, request.params.uuid);
    return resultJson(core, `Fbl ${request.params.uuid} deleted.`);
  });
};
