// POSTs JSON to an address a user or an operator chose (a provisioning service, a
// configurator webhook), through the SSRF check of notify/outbound.ts: the connection goes
// to an address that passed the check (a custom lookup pins it), so a name re-pointed
// between the check and the call reaches nothing new. No redirects are followed.
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Core } from '../context.js';
import { resolvePublicUrl } from '../notify/outbound.js';

export interface PostAnswer {
  status: number;
  /** The answer's body, at most 1 MB of it. */
  text: string;
}

const MAX_ANSWER = 1024 * 1024;

/** Throws the check's 400 `url.not_allowed` (naming `field`), or a network error / timeout as an Error. */
export async function postJson(
  core: Pick<Core, 'config'>, field: string, target: string, body: unknown, headers: Record<string, string>, timeoutMs: number,
): Promise<PostAnswer> {
  const { url, addresses } = await resolvePublicUrl(core, field, target);
  const pinned = addresses[0]!;
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const payload = JSON.stringify(body);
  const options: RequestOptions = {
    method: 'POST',
    lookup,
    timeout: timeoutMs,
    headers: {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
      'user-agent': 'account-portal-deployer',
    },
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostAnswer>((resolve, reject) => {
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const req = send(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { if (text.length < MAX_ANSWER) text += chunk; });
      res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, text }); });
      res.on('error', (error) => { clearTimeout(timer); reject(error); });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => { clearTimeout(timer); reject(error); });
    req.end(payload);
  });
}

/** Header names and values an operator or a partner configured, kept only when HTTP can carry them. */
export function cleanHeaders(value: unknown): Record<string, string> {
  let source = value;
  if (typeof source === 'string') {
    try { source = JSON.parse(source); } catch { return {}; }
  }
  const headers: Record<string, string> = {};
  if (!source || typeof source !== 'object' || Array.isArray(source)) return headers;
  for (const [name, v] of Object.entries(source)) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(name) || /[\r\n\0]/.test(v)) continue;
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length' || lower === 'content-type' || lower === 'transfer-encoding') continue;
    headers[name] = v;
  }
  return headers;
}
