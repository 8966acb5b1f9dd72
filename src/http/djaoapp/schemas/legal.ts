// Legal agreements: the list entry and the document with its current text.
import { Type } from '@fastify/type-provider-typebox';
import { Nullable } from './common.js';

const agreementFields = {
  slug: Type.String({ description: 'Names the agreement in URLs (terms-of-use).' }),
  title: Type.String({ description: 'The agreement\'s title, as shown to users.' }),
  updated_at: Type.String({ format: 'date-time', description: 'When the current version was published.' }),
  version: Type.Integer({ description: 'Number of the current version, from 1; each publication adds one.' }),
  required_at_checkout: Type.Boolean({ description: 'Whether checkout is refused until the current version is signed.' }),
};

export const AgreementBrief = Type.Object(agreementFields, { $id: 'AgreementBrief', description: 'An agreement users may be asked to sign.' });

export const Agreement = Type.Object({
  ...agreementFields,
  text: Type.String({ description: 'The current version\'s text (Markdown).' }),
  last_signed: Nullable(Type.String({
    format: 'date-time',
    description: 'When the caller signed the current version; null when they have not (a new version needs a new signature) or are anonymous.',
  })),
}, { $id: 'Agreement', description: 'An agreement and its current text.' });
