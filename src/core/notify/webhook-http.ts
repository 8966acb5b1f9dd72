// One webhook POST, to an address the SSRF check already passed. The connection's lookup is
// pinned to those addresses: a name re-pointed at a private address between the check and
// the call (DNS rebinding) is never looked up again. TLS still checks the certificate
// against the URL's host name. Redirects are not followed (a 3xx is a failed try: a
// redirect could lead anywhere, the checked address included).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupAddress, LookupOneOptions } from 'node:dns';
import type { ResolvedUrl } from './outbound.js';

export interface PostOutcome {
  /** The receiver's HTTP status; null when no answer came. */
  status: number | null;
  error: string | null;
  /** The start of the receiver's answer, kept for the partner debugging its endpoint. */
  responseBody: string | null;
}

/** How much of an answer is read (the rest is dropped) and kept. */
const READ_LIMIT = 16_384;
const KEEP_LIMIT = 1000;

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` that answers only the addresses the SSRF check passed (no second DNS answer). */
export function pinnedLookup(addresses: ResolvedUrl['addresses']) {
  return (_hostname: string, options: LookupOneOptions & { all?: boolean }, callback: LookupCallback) => {
    const allowed = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    if (allowed.length === 0) {
      callback(Object.assign(new Error('No checked address of that family.'), { code: 'ENOTFOUND' }), '');
      return;
    }
    if (options.all) callback(null, allowed.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, allowed[0]!.address, allowed[0]!.family);
  };
}

function readStart(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8').slice(0, KEEP_LIMIT));
    response.on('data', (chunk: Buffer) => {
      if (size < READ_LIMIT) chunks.push(chunk);
      size += chunk.length;
      if (size >= READ_LIMIT) {
        response.destroy();
        done();
      }
    });
    response.on('end', done);
    response.on('error', done);
    response.on('close', done);
  });
}

/** POSTs `body` as JSON with `headers`; never throws: every outcome is a result to log. */
export function postSigned(target: ResolvedUrl, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostOutcome> {
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const request = send(target.url, {
      method: 'POST',
      // A fresh connection per try: a pooled one could have been opened for another check.
      agent: false,
      lookup: pinnedLookup(target.addresses) as never,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'AccountPortal-Webhooks/1.0',
      },
    }, (response) => {
      const status = response.statusCode ?? null;
      void readStart(response).then((text) => finish({
        status,
        error: status !== null && status >= 200 && status < 300 ? null : `The receiver answered ${status}.`,
        responseBody: text || null,
      }));
    });
    const timer = setTimeout(() => {
      request.destroy();
      finish({ status: null, error: `No answer within ${timeoutMs} ms.`, responseBody: null });
    }, timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish({ status: null, error: `Could not deliver: ${error.code ?? error.message}.`, responseBody: null });
    });
    request.end(body);
  });
}
