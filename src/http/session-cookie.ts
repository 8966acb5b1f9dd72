// The session cookie carries the same JWT the login answers with, so cookie and header
// authentication verify the same way. HttpOnly keeps scripts away from it; SameSite=Lax
// and the JSON-only bodies keep other sites from posting with it. The authentication hook
// (src/http/app.ts) reads it for every surface; a surface's login routes set and clear it.
import type { FastifyReply } from 'fastify';
import type { Config } from '../config.js';

export const SESSION_COOKIE = 'sessionid';

export function setSessionCookie(reply: FastifyReply, config: Config, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.baseUrl.startsWith('https://'),
    maxAge: config.tokenLifetimeSeconds,
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.baseUrl.startsWith('https://') });
}
