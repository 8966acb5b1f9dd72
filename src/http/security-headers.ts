// Response headers that OWASP's Secure Headers Project recommends, set once for every
// answer. JSON answers get a policy that allows nothing; HTML pages (the /docs reference
// today, a portal later) get PAGE_CSP, the one place to extend when a page needs more.
import type { FastifyReply } from 'fastify';
import type { Config } from '../config.js';

/** Nothing may load, run or frame: a JSON answer opened in a browser stays inert. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Pages: our own scripts, styles, fonts and images only, no inline script, no framing.
 * Swagger UI (/docs) runs under it as is. Add a page's needs here, directive by directive.
 */
export const PAGE_CSP_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
};

export const PAGE_CSP = pageCsp();

/**
 * The policy for one page answer. The portal's component library writes its theme as a
 * `<style>` element: the nonce, new for each answer, lets that element in and no other.
 */
export function pageCsp(styleNonce?: string): string {
  const directives = styleNonce
    ? { ...PAGE_CSP_DIRECTIVES, 'style-src': [...PAGE_CSP_DIRECTIVES['style-src']!, `'nonce-${styleNonce}'`] }
    : PAGE_CSP_DIRECTIVES;
  return Object.entries(directives).map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

export function securityHeaders(config: Pick<Config, 'baseUrl'>): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-permitted-cross-domain-policies': 'none',
    'permissions-policy': 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()',
    // Only over https: on plain http the header is ignored, and on localhost it would stick.
    ...(config.baseUrl.startsWith('https://') ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}

/** The onSend part: fixed headers, no-store unless a route says otherwise, and the CSP for the content. */
export function applySecurityHeaders(headers: Record<string, string>, reply: FastifyReply): void {
  // for…in over the one fixed object: no array of its keys made per answer (reply.headers makes one).
  for (const name in headers) reply.header(name, headers[name]!);
  // Answers name accounts and carry tokens: no cache keeps them, unless a route chose to (static assets).
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  if (!reply.hasHeader('content-security-policy')) {
    const type = String(reply.getHeader('content-type') ?? '');
    reply.header('content-security-policy', type.startsWith('text/html') ? PAGE_CSP : API_CSP);
  }
}
