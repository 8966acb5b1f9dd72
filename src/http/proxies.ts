// Which peers may speak for the client: TRUST_PROXY names them (a hop count or addresses),
// and the same answer decides whether X-Forwarded-For and X-Request-Id are believed.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { Config } from '../config.js';

/** Fastify's trust function: is the peer `hop` steps away from us a proxy we trust? */
export type ProxyTrust = (address: string, hop: number) => boolean;

export function proxyTrust(setting: Config['trustProxy']): ProxyTrust | false {
  if (setting === false) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  const trusted = new BlockList();
  for (const entry of setting) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(bits), family);
  }
  // BlockList also matches IPv4-mapped IPv6 addresses (::ffff:10.0.0.5) against IPv4 rules.
  return (address) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** A request id we repeat in logs and headers: a plain, short token, nothing else. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Keeps the X-Request-Id of a trusted proxy (so one id follows a request through the
 * stack), when it is a plain token; anyone else's is replaced: a client must not write
 * what it likes into our logs or make its requests look like someone else's.
 */
export function requestIdGenerator(trust: ProxyTrust | false): (request: IncomingMessage) => string {
  return (request) => {
    const supplied = request.headers['x-request-id'];
    if (trust && typeof supplied === 'string' && REQUEST_ID.test(supplied) && trust(request.socket.remoteAddress ?? '', 0)) {
      return supplied;
    }
    return randomUUID();
  };
}
