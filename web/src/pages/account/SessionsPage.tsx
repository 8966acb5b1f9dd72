// /me/sessions: where the account is logged in. End one, end every other one (the API ends
// sessions one by one, or all of them at once including this one: "everywhere").
import { Badge, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { useNavigate, useSearchParams } from 'react-router';
import { ApiError, api, query, type Page } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useSession, useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { LoadState, PAGE_SIZE, Pager, useLoad, when } from './common';
import type { Session } from './types';

const METHODS: Record<string, string> = {
  password: 'password',
  'password+otp': 'password and authenticator app',
  'password+email': 'password and code by e-mail',
  'password+phone': 'password and code by SMS',
  'password+recovery_code': 'password and recovery code',
  activation: 'account activation',
  reset: 'password reset',
  password_change: 'password change',
};

export function SessionsPage() {
  const user = useUser();
  const { refresh } = useSession();
  const navigate = useNavigate();
  const slug = encodeURIComponent(user.username);
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const state = useLoad(() => api<Page<Session>>('GET', `/users/${slug}/sessions/${query({ page, page_size: PAGE_SIZE })}`), `${slug}:${page}`);

  const endOne = useSubmit(async (id: string) => {
    await api('DELETE', `/users/${slug}/sessions/${encodeURIComponent(id)}/`);
    state.reload();
  }, { success: 'That session is logged out.' });
  const endOthers = useSubmit(async () => {
    // Every page first, then end each: ending while paging would shift the pages.
    const others: string[] = [];
    for (let n = 1; ; n += 1) {
      const batch = await api<Page<Session>>('GET', `/users/${slug}/sessions/${query({ page: n, page_size: 100 })}`);
      others.push(...batch.results.filter((s) => !s.current).map((s) => s.id));
      if (!batch.next) break;
    }
    for (const id of others) {
      await api('DELETE', `/users/${slug}/sessions/${encodeURIComponent(id)}/`).catch((error: unknown) => {
        // Already ended (it expired meanwhile) is what we wanted.
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      });
    }
    setParams({});
    state.reload();
  }, { success: 'Every other session is logged out.' });
  const endAll = useSubmit(async () => {
    await api('DELETE', `/users/${slug}/sessions/`);
    await refresh();
    navigate('/login');
  });

  return (
    <>
      <PageTitle>Sessions</PageTitle>
      <Text size="sm" mb="md">Each login on each device is a session. End any you do not recognize, then change your password.</Text>
      <Group mb="md">
        <Button variant="default" onClick={() => void endOthers.run()} loading={endOthers.busy}>Log out every other session</Button>
        <Button color="red" variant="light" onClick={() => void endAll.run()} loading={endAll.busy}>Log out everywhere, here too</Button>
      </Group>
      <FormError error={endOthers.error ?? endAll.error ?? endOne.error} />
      <LoadState state={state}>{(sessions) => (
        <>
          {sessions.count === 0 && <Text c="dimmed">No open session.</Text>}
          <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Open sessions">
            {sessions.results.map((session) => (
              <Paper key={session.id} withBorder p="sm" radius="md" component="li">
                <Group justify="space-between" wrap="wrap" gap="xs">
                  <div>
                    <Group gap="xs">
                      <Text fw={600} size="sm">Logged in {when(session.created_at)}</Text>
                      {session.current && <Badge color="teal">This browser</Badge>}
                    </Group>
                    <Text size="xs" c="dimmed">With {METHODS[session.method] ?? session.method}; last active {when(session.refreshed_at)}; ends {when(session.expires_at)}</Text>
                    <Text size="xs" c="dimmed" style={{ wordBreak: 'break-word' }}>{[session.ip, session.user_agent].filter(Boolean).join(' · ')}</Text>
                  </div>
                  {!session.current && (
                    <Button size="xs" variant="default" onClick={() => void endOne.run(session.id)}
                      aria-label={`Log out the session opened ${when(session.created_at)}`}>Log out</Button>
                  )}
                </Group>
              </Paper>
            ))}
          </Stack>
          <Pager page={page} count={sessions.count} pageSize={PAGE_SIZE} label="sessions"
            onPage={(next) => setParams(next > 1 ? { page: String(next) } : {})} />
        </>
      )}</LoadState>
    </>
  );
}
