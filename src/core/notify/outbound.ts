// Calls to addresses users choose (webhooks, provisioning and configurator URLs) must not
// reach the service's own network: loopback, private, link-local, carrier-grade NAT,
// multicast and unspecified addresses are refused (server-side request forgery), unless
// the operator set WEBHOOK_ALLOW_PRIVATE for development. A name is judged by every
// address it resolves to; the caller that connects must connect to one of those addresses
// (resolvePublicUrl returns them), so a name re-pointed between check and call (DNS
// rebinding) gains nothing.
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { Core } from '../context.js';
import { Invalid } from '../errors.js';

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32],
] as const) blocked.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address is loopback, private, link-local or otherwise not on the public Internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  return blocked.check(address, 'ipv6');
}

/** Checks the form of a URL the service will call: absolute, http or https, no credentials in it. */
export function parseOutboundUrl(field: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Invalid(field, 'Must be an absolute URL including its scheme (https://example.com/webhook).', 'url.not_allowed');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Invalid(field, 'Must be an http or https URL.', 'url.not_allowed');
  if (url.username || url.password) throw new Invalid(field, 'Must not carry a user name or password.', 'url.not_allowed');
  return url;
}

export interface ResolvedUrl {
  url: URL;
  /** Addresses the host resolved to, all allowed: connect to one of these, not to a new lookup. */
  addresses: { address: string; family: 4 | 6 }[];
}

/**
 * Parses `value` and resolves its host, refusing (400 `url.not_allowed`, naming `field`)
 * a URL that is malformed, or that resolves to an address not allowed. A host that does not
 * resolve is refused too: a webhook nobody can receive is a mistake to report now.
 */
export async function resolvePublicUrl(core: Pick<Core, 'config'>, field: string, value: string): Promise<ResolvedUrl> {
  const url = parseOutboundUrl(field, value);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: 4 | 6 }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) as 4 | 6 }];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
    } catch {
      throw new Invalid(field, `The host ${host} does not resolve.`, 'url.not_allowed');
    }
  }
  if (!core.config.webhookAllowPrivate && (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address)))) {
    throw new Invalid(field, 'Must not point at a loopback, private or link-local address.', 'url.not_allowed');
  }
  return { url, addresses };
}

/** The check alone, for a URL about to be stored. */
export async function assertPublicUrl(core: Pick<Core, 'config'>, field: string, value: string): Promise<URL> {
  return (await resolvePublicUrl(core, field, value)).url;
}
