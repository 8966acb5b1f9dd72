// What the account pages share: loading an API answer with its loading and error states,
// a page switcher for DjaoApp's paged lists, dates in the reader's words, and the
// password field every credential change asks for.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Alert, Button, Center, Group, Loader, PasswordInput, Text } from '@mantine/core';
import { ApiError } from '../../lib/api';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
  /** Replaces the data with what a change answered, without asking again. */
  set(data: T): void;
}

/** Calls `load` now and whenever `key` changes; keeps the last answer while asking again. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    load().then(
      (answer) => { if (current) { setData(answer); setError(null); } },
      (caught: unknown) => {
        if (current) setError(caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {}));
      },
    ).finally(() => { if (current) setLoading(false); });
    return () => { current = false; };
    // `load` is a new closure at every render: `key` says when what it asks for changed.
  }, [key, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload, set: setData };
}

/** The loader, the error, or the content once there is data. */
export function LoadState<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ReactNode }) {
  if (state.error && state.data === null) {
    return (
      <Alert color="red" role="alert" title="This could not be loaded">
        <Text size="sm">{state.error.message}</Text>
        <Button mt="sm" size="xs" variant="default" onClick={state.reload}>Try again</Button>
      </Alert>
    );
  }
  if (state.data === null) return <Center py="xl"><Loader aria-label="Loading" /></Center>;
  return <>{children(state.data)}</>;
}

/** Previous / next over a DjaoApp page envelope. */
export function Pager({ page, count, pageSize, onPage, label }: { page: number; count: number; pageSize: number; onPage(page: number): void; label: string }) {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  if (pages <= 1) return null;
  return (
    <Group justify="space-between" mt="md" component="nav" aria-label={`Pages of ${label}`}>
      <Button variant="default" size="xs" disabled={page <= 1} onClick={() => onPage(page - 1)}>Previous page</Button>
      <Text size="sm" c="dimmed">Page {page} of {pages}</Text>
      <Button variant="default" size="xs" disabled={page >= pages} onClick={() => onPage(page + 1)}>Next page</Button>
    </Group>
  );
}

/** The page size the API uses when none is asked for; asked explicitly so the pager agrees. */
export const PAGE_SIZE = 25;

export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The caller's password, asked again before a credential changes (a stolen session alone is not enough). */
export function CurrentPassword({ value, onChange, error, label = 'Your current password' }: { value: string; onChange(value: string): void; error?: string; label?: string }) {
  return (
    <PasswordInput
      label={label}
      description="Asked again to confirm it is you."
      autoComplete="current-password"
      required
      value={value}
      onChange={(event) => onChange(event.currentTarget.value)}
      error={error}
      // Mantine's PasswordInput leaves aria-invalid out.
      aria-invalid={!!error}
    />
  );
}

/** Every message the API gave about a field (a password can break several rules at once). */
export function allMessages(error: ApiError | null, field: string): ReactNode {
  const messages = error?.fields[field];
  if (!messages?.length) return undefined;
  return messages.length === 1 ? messages[0] : <>{messages.map((m) => <div key={m}>{m}</div>)}</>;
}

/** Pictures the page may show: its own origin or a data: URL (the pages' CSP lets in no others). */
export function showablePicture(url: string | null | undefined): string | null {
  if (!url) return null;
  if (url.startsWith('data:image/')) return url;
  try {
    return new URL(url, window.location.href).origin === window.location.origin ? url : null;
  } catch {
    return null;
  }
}
