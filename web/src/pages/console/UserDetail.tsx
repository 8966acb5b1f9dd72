// /console/users/:user: one account for the administrators: its status and lockout, suspend
// (with a reason), reactivate, unlock, and its security events.
import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, Card, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { api, query } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import { Loaded, PAGE_SIZE, Pager, StatusBadge, useResource, when, type Page, type User } from '../orgs/common';

interface Status {
  status: 'active' | 'suspended' | 'disabled';
  reason: string | null;
  suspended_at: string | null;
  locked: boolean;
  locked_until: string | null;
  failed_attempts: number;
}
interface SecurityEvent { type: string; created_at: string; ip: string | null; user_agent: string | null; detail: Record<string, unknown> | null }

export function UserDetail() {
  const { user: slug = '' } = useParams();
  const me = useUser();
  const base = `/users/${encodeURIComponent(slug)}`;
  const user = useResource<User>(`${base}/`);
  const status = useResource<Status>(`${base}/status/`);
  const [page, setPage] = useState(1);
  const events = useResource<Page<SecurityEvent>>(`${base}/security-events/${query({ page: page > 1 ? page : undefined, page_size: PAGE_SIZE })}`);
  const [reason, setReason] = useState('');
  const refresh = () => { status.reload(); events.reload(); };
  const suspend = useSubmit(async () => { await api('POST', `${base}/status/suspend/`, { reason: reason.trim() }); setReason(''); refresh(); }, { success: 'Account suspended.' });
  const reactivate = useSubmit(async () => { await api('POST', `${base}/status/reactivate/`, {}); refresh(); }, { success: 'Account reactivated.' });
  const unlock = useSubmit(async () => { await api('DELETE', `${base}/lockout/`, {}); refresh(); }, { success: 'Lockout cleared.' });
  const onSuspend = (event: FormEvent) => { event.preventDefault(); void suspend.run(); };
  const self = slug === me.username;

  return (
    <Stack>
      <PageTitle>{user.data ? (user.data.full_name || user.data.username) : slug}</PageTitle>
      <Anchor component={Link} to="/console/users" size="sm">← All users</Anchor>
      <Loaded resource={user} what="the user">
        {(u) => <Text size="sm" c="dimmed">{u.username} · {u.email ?? 'no e-mail'} · joined {when(u.created_at)}</Text>}
      </Loaded>
      <Card withBorder component="section" aria-labelledby="status-heading">
        <Title order={2} size="h4" id="status-heading" mb="sm">Status</Title>
        <Loaded resource={status} what="the status">
          {(s) => (
            <Stack gap="sm">
              <Group gap="xs"><Text>Account:</Text><StatusBadge status={s.status} />{s.locked && <StatusBadge status="locked" />}</Group>
              {s.status === 'suspended' && <Text size="sm">Suspended {when(s.suspended_at)}{s.reason ? `: ${s.reason}` : ''}</Text>}
              <Text size="sm">Failed logins counted: {s.failed_attempts}{s.locked ? `; locked out until ${when(s.locked_until)}` : ''}</Text>
              <FormError error={reactivate.error ?? unlock.error} />
              {s.status === 'active' && !self && (
                <form onSubmit={onSuspend}>
                  <Stack gap="xs">
                    <FormError error={suspend.error} fields={['reason']} />
                    <TextInput label="Reason for suspending" description="Kept with the status. The user is logged out everywhere and their API keys stop working."
                      required value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={suspend.fieldError('reason')} />
                    <Group><Button type="submit" color="orange" loading={suspend.busy}>Suspend account</Button></Group>
                  </Stack>
                </form>
              )}
              {s.status === 'active' && self && <Alert color="gray">You cannot suspend your own account.</Alert>}
              <Group>
                {s.status !== 'active' && <Button color="teal" loading={reactivate.busy} onClick={() => void reactivate.run()}>Reactivate account</Button>}
                {(s.locked || s.failed_attempts > 0) && <Button variant="default" loading={unlock.busy} onClick={() => void unlock.run()}>Unlock account</Button>}
              </Group>
            </Stack>
          )}
        </Loaded>
      </Card>
      <Card withBorder component="section" aria-labelledby="events-heading">
        <Title order={2} size="h4" id="events-heading" mb="sm">Security events</Title>
        <Loaded resource={events} what="the security events">
          {(data) => data.results.length === 0 ? <Text size="sm" c="dimmed">No security event recorded.</Text> : (
            <>
              <Table.ScrollContainer minWidth={520}>
                <Table aria-label="Security events">
                  <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>Event</Table.Th><Table.Th>From</Table.Th><Table.Th>Detail</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {data.results.map((e, index) => (
                      <Table.Tr key={`${e.created_at}-${index}`}>
                        <Table.Td><Text size="sm">{when(e.created_at)}</Text></Table.Td>
                        <Table.Td>{e.type}</Table.Td>
                        <Table.Td><Text size="sm">{e.ip ?? '—'}</Text></Table.Td>
                        <Table.Td>{e.detail && Object.keys(e.detail).length > 0 ? <Code>{Object.entries(e.detail).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}</Code> : '—'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Pager page={page} pageSize={PAGE_SIZE} count={data.count} onPage={setPage} />
            </>
          )}
        </Loaded>
      </Card>
    </Stack>
  );
}
