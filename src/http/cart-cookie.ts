// The cookie an anonymous visitor's cart lives in until they log in (the core owns its
// format: src/core/billing/cart.ts). It holds only plan slugs and choices, nothing that
// authenticates; HttpOnly and SameSite=Lax all the same, like the session cookie.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { encodeAnonymousCart, parseAnonymousCart, type AnonymousCartItem } from '../core/billing/cart.js';

export const CART_COOKIE = 'cart';
const MAX_AGE_SECONDS = 30 * 86_400;

export function cartCookieItems(request: FastifyRequest): AnonymousCartItem[] {
  return parseAnonymousCart(request.cookies[CART_COOKIE]);
}

function options(config: Config) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.baseUrl.startsWith('https://') };
}

/** Sets the cookie to `items`; an empty list (or null, "unchanged") clears it or leaves it. */
export function writeCartCookie(reply: FastifyReply, config: Config, items: AnonymousCartItem[] | null): void {
  if (items === null) return;
  if (!items.length) reply.clearCookie(CART_COOKIE, options(config));
  else reply.setCookie(CART_COOKIE, encodeAnonymousCart(items), { ...options(config), maxAge: MAX_AGE_SECONDS });
}
