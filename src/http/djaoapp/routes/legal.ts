// /api/legal/...: the agreements a user is asked to sign (terms of use...), their versions,
// and the signature that checkout may require.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createAgreement, listAgreements, MAX_AGREEMENT_TEXT, publishVersion, readAgreement, signAgreement, updateAgreement,
} from '../../../core/legal/agreements.js';
import { errors, ref } from '../schemas/common.js';
import { Agreement, AgreementBrief } from '../schemas/legal.js';
import { PageOf } from '../pages.js';
import { agreementBriefJson, agreementJson } from '../shapes/legal.js';

const TAGS = ['legal'];

const AgreementParams = Type.Object({
  agreement: Type.String({ minLength: 1, maxLength: 150, description: 'Slug of the agreement (terms-of-use).' }),
});

const Text = Type.String({ minLength: 1, maxLength: MAX_AGREEMENT_TEXT, description: 'The text of the agreement (Markdown).' });
const Title = Type.String({ minLength: 1, maxLength: 150, description: 'The title shown to users.' });
const RequiredAtCheckout = Type.Boolean({ description: 'Refuse checkout until the user placing the order signed the current version.' });

export const legalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get('/legal/', {
    schema: {
      operationId: 'listAgreements',
      tags: TAGS,
      summary: 'Lists legal agreements',
      description: 'Every agreement users may be asked to sign (terms of use, security policy...), by slug, with when its current version '
        + 'was published and whether checkout requires it signed. Anyone may read it, signed in or not.',
      security: [],
      response: { 200: PageOf(ref(AgreementBrief), 'The agreements, all in one page.'), ...errors(429) },
    },
  }, async () => {
    const agreements = await listAgreements(core);
    return { count: agreements.length, next: null, previous: null, results: agreements.map(agreementBriefJson) };
  });

  app.post('/legal/', {
    schema: {
      operationId: 'createAgreement',
      tags: TAGS,
      summary: 'Creates a legal agreement',
      description: 'Adds an agreement with its first version. Its slug (lowercase words joined by "-") names it in URLs and cannot change. '
        + 'The broker\'s managers only.',
      body: Type.Object({
        slug: Type.String({ minLength: 1, maxLength: 150, description: 'Names the agreement in URLs (terms-of-use).' }),
        title: Title,
        text: Text,
        required_at_checkout: Type.Optional(RequiredAtCheckout),
      }, { additionalProperties: false }),
      response: { 201: ref(Agreement, 'The agreement, created.'), ...errors(400, 401, 403) },
    },
  }, async (request, reply) => {
    const { slug, title, text, required_at_checkout: requiredAtCheckout } = request.body;
    return reply.code(201).send(agreementJson(await createAgreement(core, request.caller, { slug, title, text, requiredAtCheckout })));
  });

  app.get('/legal/:agreement/', {
    schema: {
      operationId: 'getAgreement',
      tags: TAGS,
      summary: 'Retrieves a legal agreement',
      description: 'The agreement\'s current version: its text and, for a signed-in caller, when they signed that version (`last_signed`, '
        + 'null until they sign it: a signature of an earlier version does not count). Anyone may read it.',
      security: [],
      params: AgreementParams,
      response: { 200: ref(Agreement, 'The agreement.'), ...errors(400, 404) },
    },
  }, async (request) => agreementJson(await readAgreement(core, request.caller, request.params.agreement)));

  app.put('/legal/:agreement/', {
    schema: {
      operationId: 'updateAgreement',
      tags: TAGS,
      summary: 'Updates a legal agreement',
      description: 'Changes the agreement\'s title and whether checkout requires its current version signed. The text changes by '
        + 'publishing a new version. The broker\'s managers only.',
      params: AgreementParams,
      body: Type.Object({ title: Title, required_at_checkout: RequiredAtCheckout }, { additionalProperties: false }),
      response: { 200: ref(Agreement, 'The agreement, updated.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => agreementJson(await updateAgreement(core, request.caller, request.params.agreement, {
    title: request.body.title, requiredAtCheckout: request.body.required_at_checkout,
  })));

  app.post('/legal/:agreement/versions/', {
    schema: {
      operationId: 'publishAgreementVersion',
      tags: TAGS,
      summary: 'Publishes a new version of a legal agreement',
      description: 'Makes this text the agreement\'s current version (numbered one after the last). Signatures of earlier versions stop '
        + 'counting: every user is asked to sign again, and checkout, when it requires the agreement, waits for the new signature. '
        + 'The broker\'s managers only.',
      params: AgreementParams,
      body: Type.Object({ text: Text }, { additionalProperties: false }),
      response: { 201: ref(Agreement, 'The agreement with its new version.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => reply.code(201).send(agreementJson(await publishVersion(core, request.caller, request.params.agreement, request.body.text))));

  app.post('/legal/:agreement/sign/', {
    schema: {
      operationId: 'signAgreement',
      tags: TAGS,
      summary: 'Signs a consent agreement',
      description: 'Records that the signed-in user read and accepts the current version of the agreement. `read_terms` must be true. '
        + 'Signing again moves the time of signing.',
      params: AgreementParams,
      body: Type.Object({
        read_terms: Type.Boolean({ description: 'The user confirms having read and understood the terms (must be true).' }),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          read_terms: Type.Boolean({ description: 'True: the terms were read and accepted.' }),
          last_signed: Type.String({ format: 'date-time', description: 'When the user signed the current version.' }),
        }, { description: 'The signature, recorded.' }),
        ...errors(400, 401, 404),
      },
    },
  }, async (request) => {
    const signed = await signAgreement(core, request.caller, request.params.agreement, request.body.read_terms);
    return { read_terms: signed.readTerms, last_signed: signed.lastSigned.toISOString() };
  });
};
