// Legal agreements as the native API shows them.
import type { Agreement, AgreementSummary } from '../../../core/legal/agreements.js';

export function agreementBriefJson(agreement: AgreementSummary) {
  return {
    slug: agreement.slug,
    title: agreement.title,
    updated_at: agreement.updatedAt.toISOString(),
    version: agreement.version,
    required_at_checkout: agreement.requiredAtCheckout,
  };
}

export function agreementJson(agreement: Agreement) {
  return { ...agreementBriefJson(agreement), text: agreement.text, last_signed: agreement.lastSigned?.toISOString() ?? null };
}
