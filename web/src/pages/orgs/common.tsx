// What the organization and console pages share: the API's shapes they read, loading a
// resource with its loading and error states, a pager for DjaoApp's pages, a search box,
// and dates in words.
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Alert, Badge, Button, Center, Group, Loader, Modal, Stack, Text, TextInput } from '@mantine/core';
import { api, ApiError, type Page } from '../../lib/api';

export interface Organization {
  slug: string;
  full_name: string;
  printable_name: string;
  picture: string | null;
  type: 'organization' | 'personal';
  created_at: string;
  email: string | null;
  phone: string | null;
  street_address: string | null;
  locality: string | null;
  region: string | null;
  postal_code: string | null;
  country: string | null;
}

export interface OrganizationProfile extends Organization {
  default_timezone: string;
  is_provider: boolean;
  is_bulk_buyer: boolean;
  extra: string | null;
  status: 'active' | 'suspended' | 'closed';
  partner: string | null;
}

export interface OrganizationDetail extends OrganizationProfile {
  subscriptions: { created_at: string; ends_at: string; plan: string; auto_renew: boolean }[];
}

export interface User {
  slug: string;
  username: string;
  printable_name: string;
  picture: string | null;
  email: string | null;
  full_name: string | null;
  created_at: string;
  credentials: boolean;
}

export type RoleState = 'accepted' | 'invited' | 'requested';

export interface RoleDescription {
  created_at: string;
  slug: string;
  title: string;
  skip_optin_on_grant: boolean;
  implicit_create_on_none: boolean;
  is_global: boolean;
}

export interface RoleHolder {
  created_at: string;
  user: User;
  request_key: string | null;
  state: RoleState;
}

export interface RoleDescriptionWithRoles extends RoleDescription {
  roles: RoleHolder[];
}

export interface Accessible {
  slug: string;
  printable_name: string;
  state: RoleState;
  role_description: RoleDescription;
  created_at: string;
}

export interface Role {
  created_at: string;
  user: User;
  organization: Organization;
  role_description: RoleDescription;
  request_key: string | null;
  state: RoleState;
}

/** The state of something loaded from the API. */
export interface Resource<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

/**
 * Loads `path` (and again whenever it changes, or on reload); null skips loading. What was
 * loaded for another path is never answered for this one (no stale organization on a new page).
 */
export function useResource<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ path: string | null; data: T | null; error: ApiError | null }>({ path: null, data: null, error: null });
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) { setLoading(false); return; }
    let current = true;
    setLoading(true);
    api<T>('GET', path)
      .then((value) => { if (current) setState({ path, data: value, error: null }); })
      .catch((caught: unknown) => {
        if (!current) return;
        setState({ path, data: null, error: caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {}) });
      })
      .finally(() => { if (current) setLoading(false); });
    return () => { current = false; };
  }, [path, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const fresh = state.path === path;
  return { data: fresh ? state.data : null, error: fresh ? state.error : null, loading, reload };
}

/** A resource's loading spinner, its error in words, or its content once there. */
export function Loaded<T>({ resource, children, what }: { resource: Resource<T>; children: (data: T) => ReactNode; what: string }) {
  if (resource.error) {
    return (
      <Alert color="red" role="alert" title={`Could not load ${what}`}>
        {refusal(resource.error)}
      </Alert>
    );
  }
  if (resource.data === null) {
    return <Center py="lg"><Loader size="sm" aria-label={`Loading ${what}`} /></Center>;
  }
  return <>{children(resource.data)}</>;
}

/** An API error in words a person understands, naming why when the API says so. */
export function refusal(error: ApiError): string {
  if (error.status === 403 && error.code === 'http.403') return 'You are not allowed to do this here.';
  if (error.status === 404 && (error.code === 'http.404' || error.code.endsWith('not_found'))) {
    return `${error.message} It may not exist, or you may not be allowed to see it.`;
  }
  return error.message;
}

const QUOTA_WORDS: Record<string, string> = {
  'quota.seats_exceeded': 'This organization has used all its seats: everyone who holds, or is invited to, a role takes one. Remove someone, or ask whoever sits above it (its partner, or the site\'s administrators) to raise its seat quota.',
  'quota.customers_exceeded': 'This organization has as many customers as its quota allows. Ask whoever sits above it (its partner, or the site\'s administrators) to raise its customer quota.',
  'quota.organizations_exceeded': 'You have created as many organizations as the site allows for one person.',
};

/** A quota refusal explained (the API's message names the quota; this says what to do). */
export function QuotaNote({ error }: { error: ApiError | null }) {
  const words = error ? QUOTA_WORDS[error.code] : undefined;
  return words ? <Text size="sm" c="red">{words}</Text> : null;
}

/** DjaoApp's pages: previous and next, with where we are. */
export function Pager({ page, pageSize, count, onPage }: { page: number; pageSize: number; count: number; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  if (pages <= 1) return null;
  return (
    <Group justify="space-between" mt="sm">
      <Text size="sm" c="dimmed">Page {page} of {pages} ({count} in all)</Text>
      <Group gap="xs">
        <Button variant="default" size="xs" disabled={page <= 1} onClick={() => onPage(page - 1)}>Previous page</Button>
        <Button variant="default" size="xs" disabled={page >= pages} onClick={() => onPage(page + 1)}>Next page</Button>
      </Group>
    </Group>
  );
}

/** A search field submitted with its button (or Enter). */
export function SearchBox({ label, value, onSearch }: { label: string; value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const submit = (event: FormEvent) => { event.preventDefault(); onSearch(text.trim()); };
  return (
    <form onSubmit={submit} role="search">
      <Group align="end" gap="xs" wrap="nowrap">
        <TextInput label={label} value={text} onChange={(e) => setText(e.currentTarget.value)} style={{ flex: 1 }} />
        <Button type="submit" variant="default">Search</Button>
      </Group>
    </form>
  );
}

export function when(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function StatusBadge({ status }: { status: string }) {
  const color = status === 'active' || status === 'accepted' ? 'teal' : status === 'suspended' || status === 'requested' ? 'orange' : status === 'invited' ? 'blue' : 'gray';
  return <Badge color={color} variant="light">{status}</Badge>;
}

/** The page size the pages ask for, so the pager can count pages. */
export const PAGE_SIZE = 20;

export type { Page };

/**
 * A button that asks before acting; the dialog closes once it ran, and the page shows the error, if there is one.
 * Dialogs here do not lock the page's scroll: that lock injects a <style> without the CSP nonce.
 */
export function ConfirmButton({ label, title, children, confirm, color = 'red', busy, action, size = 'xs', variant = 'light' }: {
  label: string; title: string; children: ReactNode; confirm: string; color?: string; busy?: boolean;
  action: () => Promise<unknown>; size?: string; variant?: string;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size={size} variant={variant} color={color} onClick={() => setOpen(true)}>{label}</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={title}>
        <Stack>
          {children}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>Cancel</Button>
            <Button color={color} loading={busy} onClick={async () => { await action(); setOpen(false); }}>{confirm}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
