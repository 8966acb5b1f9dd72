// Who is logged in on this browser, asked once from GET /api/auth/session/ (the cookie is
// HttpOnly, out of the page's reach) and asked again after a login, a logout or a change.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { Center, Loader } from '@mantine/core';
import { Navigate, useLocation } from 'react-router';
import { api } from './api';

export interface SessionUser {
  username: string;
  full_name: string;
  email: string | null;
  picture: string | null;
  is_broker_manager: boolean;
}

export interface SiteSession {
  broker: { slug: string; full_name: string; picture: string | null };
  user: SessionUser | null;
}

interface SessionState {
  session: SiteSession | null;
  /** Asks the service again; answers the new state. */
  refresh(): Promise<SiteSession | null>;
}

const SessionContext = createContext<SessionState>({ session: null, refresh: async () => null });

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SiteSession | null>(null);
  const refresh = useCallback(async () => {
    const next = await api<SiteSession>('GET', '/auth/session/');
    setSession(next);
    return next;
  }, []);
  useEffect(() => {
    refresh().catch(() => setSession({ broker: { slug: '', full_name: 'Account Portal', picture: null }, user: null }));
  }, [refresh]);
  if (!session) {
    return <Center h="100vh"><Loader aria-label="Loading" /></Center>;
  }
  return <SessionContext.Provider value={{ session, refresh }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState & { session: SiteSession } {
  const state = useContext(SessionContext);
  return state as SessionState & { session: SiteSession };
}

/** The logged-in user; pages under <RequireLogin> may rely on it. */
export function useUser(): SessionUser {
  const { session } = useSession();
  if (!session.user) throw new Error('useUser outside <RequireLogin>');
  return session.user;
}

/** Sends a visitor who is not logged in to the login page, and back here after. */
export function RequireLogin({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (!session.user) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

/** Where to go after logging in: only a path of this site, never another origin. */
export function safeNext(value: string | null, fallback = '/me'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value;
}
