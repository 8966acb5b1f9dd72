// get.chat's deployment API as the pages use it (/account/..., /integration/..., with the
// session cookie): its shapes, the organization behind a portal address, and polling while
// a deployment is under way.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, query } from '../../lib/api';

export type UserStatus = 'REQUESTED' | 'READY' | 'FAILED' | 'DELETED';

export interface DeploymentError { code: string; message: string; attempts: number; retrying?: boolean }

export interface Stack {
  id: number;
  created_at: string;
  modified_at: string;
  name: string;
  subdomain: string;
  application_quota: number | null;
  user_status: UserStatus;
  is_deployed: boolean;
  is_locked: boolean;
  error: DeploymentError | null;
  organization_id: number;
}

export interface PackageSummary { id: number; name: string; type: string }

export interface Application {
  id: number;
  uuid: string;
  created_at: string;
  modified_at: string;
  user_status: UserStatus;
  domain: string | null;
  is_deployed: boolean;
  is_locked: boolean;
  error: DeploymentError | null;
  package_id: number;
  stack_id: number;
  package?: PackageSummary;
}

export interface SettingSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  format?: string;
  'x-secret'?: boolean;
  'x-default'?: string;
}

export interface PackageWithSchema extends PackageSummary {
  settings_schema: { properties?: Record<string, SettingSchema>; required?: string[] };
}

export interface GetChatOrganization { id: number; name: string; stack_quota: number | null }

export interface GetChatList<T> {
  data: T[];
  pagination: { total: number; limit: number; page: number; pages: number; count: number };
}

/** A page of a get.chat list (the paginated envelope). */
export function listOf<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<GetChatList<T>> {
  return api<GetChatList<T>>('GET', `${path}${query({ paginated: 'true', ...params })}`);
}

/** Whether something is still being deployed, changed or destroyed. */
export const pending = (item: { user_status: UserStatus; is_locked: boolean }) => item.user_status === 'REQUESTED' || item.is_locked;

/** How often a page asks again while something it shows is pending. */
export const POLL_MS = 1500;

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload(): Promise<void>;
}

/**
 * Loads `load()`; while `isPending(data)` holds it asks again every POLL_MS, and stops
 * once nothing is pending (or the page goes away).
 */
export function usePolled<T>(load: () => Promise<T>, isPending: (data: T) => boolean, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const timer = useRef<number | null>(null);
  const alive = useRef(true);
  const loadNow = useCallback(load, deps);
  const pendingRef = useRef(isPending);
  pendingRef.current = isPending;

  const reload = useCallback(async () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
    try {
      const value = await loadNow();
      if (!alive.current) return;
      setData(value);
      setError(null);
      if (pendingRef.current(value)) timer.current = window.setTimeout(() => { void reload(); }, POLL_MS);
    } catch (caught) {
      if (!alive.current) return;
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {}));
    } finally {
      if (alive.current) setLoading(false);
    }
  }, [loadNow]);

  useEffect(() => {
    alive.current = true;
    setLoading(true);
    void reload();
    return () => {
      alive.current = false;
      if (timer.current !== null) window.clearTimeout(timer.current);
    };
  }, [reload]);

  return { data, error, loading, reload };
}

/** The get.chat organization behind a portal address (`/orgs/:org/...` names it by slug). */
export async function organizationBySlug(slug: string): Promise<GetChatOrganization> {
  const found = await api<GetChatList<GetChatOrganization>>('GET', `/account/organizations${query({ 'slug[eq]': slug })}`);
  const organization = found.data[0];
  if (!organization) throw new ApiError(404, 'organization.not_found', `No organization ${slug} that you can see.`, {});
  return organization;
}
