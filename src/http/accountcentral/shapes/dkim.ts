// DKIM keys, FBLs and signed messages as Accountcentral shows them.
import type { DkimView } from '../../../core/mail-signing/dkims.js';
import type { FblView } from '../../../core/mail-signing/fbls.js';
import type { SignedMessage } from '../../../core/mail-signing/sign.js';

export function dkimJson(view: DkimView) {
  return {
    id: view.id, groupPk: view.organizationId, domain: view.domain, selector: view.selector, publicKey: view.publicKey,
    privateKey: view.privateKey, alignment: view.alignment, default: view.isDefault, active: view.active, dnsRecord: view.dnsRecord,
  };
}

export function platformDkimJson(view: DkimView) {
  return { domain: view.domain, selector: view.selector, publicKey: view.publicKey, privateKey: view.privateKey, dnsRecord: view.dnsRecord };
}

export function fblJson(view: FblView) {
  return { id: view.id, esp: view.esp, recipientDomain: view.recipientDomain, signableHeaders: view.signableHeaders, dkim: view.dkim };
}

export function signedJson(signed: SignedMessage) {
  return {
    message: signed.message,
    dkim: signed.dkim && {
      id: signed.dkim.id, platform: signed.dkim.platform, domain: signed.dkim.domain, selector: signed.dkim.selector,
      alignment: signed.dkim.alignment, default: signed.dkim.isDefault,
    },
    fbl: signed.fbl,
  };
}
