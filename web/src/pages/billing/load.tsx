// Reading the API on a page: the answer, its loading state and error, and a way to ask again.
// PagedList adds DjaoApp's pages (?page=) and search (?q=) around a list.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Alert, Button, Center, Group, Loader, Pagination, Stack, Text, TextInput } from '@mantine/core';
import { api, ApiError, query, type Page } from '../../lib/api';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

/** GETs `path` (again whenever it changes); null path: nothing to load yet. */
export function useLoad<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) { setData(null); setLoading(false); return; }
    let live = true;
    setLoading(true);
    api<T>('GET', path)
      .then((answer) => { if (live) { setData(answer); setError(null); } })
      .catch((caught: unknown) => {
        if (live) setError(caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {}));
      })
      .finally(() => { if (live) setLoading(false); });
    return () => { live = false; };
  }, [path, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** The loader, the error, or the content once loaded. */
export function Loading<T>({ loaded, label, children }: { loaded: Loaded<T>; label: string; children: (data: T) => ReactNode }) {
  if (loaded.error && !loaded.data) {
    return (
      <Alert color="red" role="alert" title={`Could not load ${label}`}>
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{loaded.error.message}</Text>
          <Button size="xs" variant="default" onClick={loaded.reload}>Try again</Button>
        </Stack>
      </Alert>
    );
  }
  if (!loaded.data) return <Center py="md"><Loader size="sm" aria-label={`Loading ${label}`} /></Center>;
  return <>{children(loaded.data)}</>;
}

const PAGE_SIZE = 25;

/** A paginated, searchable list of `path` (a DjaoApp list route). */
export function PagedList<T>({ path, params = {}, label, search = true, empty, children }: {
  path: string;
  params?: Record<string, string | undefined>;
  label: string;
  search?: boolean;
  empty: ReactNode;
  children: (rows: T[], reload: () => void) => ReactNode;
}) {
  const [page, setPage] = useState(1);
  const [q, setQ] = useState('');
  const [typed, setTyped] = useState('');
  const loaded = useLoad<Page<T>>(`${path}${query({ ...params, q, page: page > 1 ? page : undefined, page_size: PAGE_SIZE })}`);
  const pages = loaded.data ? Math.max(1, Math.ceil(loaded.data.count / PAGE_SIZE)) : 1;
  return (
    <Stack gap="sm">
      {search && (
        <form onSubmit={(event) => { event.preventDefault(); setPage(1); setQ(typed.trim()); }}>
          <Group gap="xs" align="flex-end">
            <TextInput label={`Search ${label}`} value={typed} onChange={(event) => setTyped(event.currentTarget.value)} style={{ flex: 1, minWidth: 0 }} />
            <Button type="submit" variant="default">Search</Button>
          </Group>
        </form>
      )}
      <Loading loaded={loaded} label={label}>
        {(data) => data.results.length === 0
          ? <Text c="dimmed" size="sm">{q ? `No ${label} match "${q}".` : empty}</Text>
          : <>{children(data.results, loaded.reload)}</>}
      </Loading>
      {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} aria-label={`Pages of ${label}`} />}
    </Stack>
  );
}
