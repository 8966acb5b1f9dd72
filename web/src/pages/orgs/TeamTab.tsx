// The users the organization owns (Accountcentral's team users), for its managers: the users
// of the organization and of its customers below it, searched and filtered by status or by
// issue; for each, suspend or reactivate, unlock, a new password (shown once, to copy), reset
// the PIN, the second factor on or off, and the security events. Every call is Accountcentral's
// (/accountcentral/customers/{groupPk}/users..., /accountcentral/users/{userPk}/...): the API
// decides who may; an account the organization did not make (a member who joined) is only read.
import { useState } from 'react';
import { Alert, Badge, Button, Card, Group, Modal, SegmentedControl, Select, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { api, query } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import { CopyField } from '../account/CopyField';
import { useGroupPk } from './DkimTab';
import { ConfirmButton, Loaded, Pager, SearchBox, refusal, useResource, when } from './common';
import { useOrg } from './OrgLayout';

type Status = 'ACTIVE' | 'SUSPENDED' | 'DISABLED';

interface TeamUser {
  userPk: number;
  name: string;
  surname: string;
  username: string;
  email: string | null;
  groupName: string | null;
  cellPhone: string | null;
  cellPhoneVerified: boolean;
  status: Status;
  userType: 'INTERACTIVE' | 'APPLICATION';
  creationGroupPk: number | null;
  lastLoginDate: number | null;
  issues?: string[];
}

interface AcPage<T> {
  page: { size: number; number: number; totalElements: number; totalPages: number };
  elements: T[];
}

interface SecurityEvent { type: string; date: string; ip: string | null; detail: Record<string, unknown> | null }

const SIZE = 20;

/** Each issue code in words. */
const ISSUES: Record<string, string> = {
  LOCKED_OUT: 'locked out',
  SUSPENDED: 'suspended',
  DISABLED: 'disabled',
  PASSWORD_EXPIRED: 'password expired',
  NO_PASSWORD: 'no password',
  EMAIL_NOT_VERIFIED: 'e-mail not verified',
  FAILED_LOGINS: 'failed logins',
  PIN_NUMBER_NOT_VERIFIED: 'PIN number not verified',
};

function nameOf(user: TeamUser): string {
  return [user.name, user.surname].filter(Boolean).join(' ') || user.username;
}

function StatusOf({ status }: { status: Status }) {
  const color = status === 'ACTIVE' ? 'teal' : status === 'SUSPENDED' ? 'orange' : 'gray';
  return <Badge color={color} variant="light">{status.toLowerCase()}</Badge>;
}

export function TeamTab() {
  const { org } = useOrg();
  const groupPk = useGroupPk(org.slug);
  return (
    <Card withBorder component="section" aria-labelledby="team-heading">
      <Title order={2} size="h4" id="team-heading" mb="xs">Team</Title>
      <Text size="sm" c="dimmed" mb="sm">
        The users of this organization and of its customers. Those the organization made are its team: you can suspend
        them, unlock them, give them a new password or reset their PIN. Members who made their own account are only listed.
      </Text>
      {groupPk.error
        ? <Alert color="red" role="alert" title="Could not load the team">{refusal(groupPk.error)}</Alert>
        : groupPk.id === null ? <Text size="sm" c="dimmed">Loading…</Text> : <Team groupPk={groupPk.id} />}
    </Card>
  );
}

function Team({ groupPk }: { groupPk: number }) {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [show, setShow] = useState<'all' | 'issues'>('all');
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const base = `/accountcentral/customers/${groupPk}/users`;
  const listPath = show === 'issues'
    ? `${base}/issues${query({ page, size: SIZE, sort: 'issues,desc' })}`
    : `${base}${query({ page, size: SIZE, search, status: status ?? undefined })}`;
  const list = useResource<AcPage<TeamUser>>(listPath);
  // The issues of everyone listed, so the full list shows them too.
  const issues = useResource<AcPage<TeamUser>>(`${base}/issues${query({ size: 100 })}`);
  // The status badge already says suspended or disabled.
  const issuesOf = (user: TeamUser) => (user.issues ?? issues.data?.elements.find((u) => u.userPk === user.userPk)?.issues ?? [])
    .filter((code) => code !== 'SUSPENDED' && code !== 'DISABLED');
  const reload = () => { list.reload(); issues.reload(); };
  const chosen = list.data?.elements.find((u) => u.userPk === selected) ?? null;

  return (
    <Stack gap="sm">
      <Group align="end" wrap="wrap">
        <SegmentedControl aria-label="Which users" value={show} onChange={(value) => { setShow(value === 'issues' ? 'issues' : 'all'); setPage(0); }}
          data={[{ value: 'all', label: 'All users' }, { value: 'issues', label: 'With issues' }]} />
        {show === 'all' && (
          <>
            <div style={{ flex: 1, minWidth: 220 }}>
              <SearchBox label="Search name, username or e-mail" value={search} onSearch={(q) => { setSearch(q); setPage(0); }} />
            </div>
            <Select label="Status" placeholder="Any status" clearable value={status} onChange={(value) => { setStatus(value); setPage(0); }}
              data={[{ value: 'ACTIVE', label: 'Active' }, { value: 'SUSPENDED', label: 'Suspended' }, { value: 'DISABLED', label: 'Disabled' }]} w={160} />
          </>
        )}
      </Group>
      <Loaded resource={list} what="the users">
        {(data) => data.elements.length === 0
          ? <Text size="sm" c="dimmed">{show === 'issues' ? 'Nobody has an issue.' : 'No user matches.'}</Text>
          : (
            <>
              <Table.ScrollContainer minWidth={560}>
                <Table aria-label="Team users" verticalSpacing="xs" highlightOnHover>
                  <Table.Thead>
                    <Table.Tr><Table.Th>User</Table.Th><Table.Th>Status</Table.Th><Table.Th>Issues</Table.Th><Table.Th>Last login</Table.Th><Table.Th /></Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.elements.map((user) => (
                      <Table.Tr key={user.userPk} aria-selected={user.userPk === selected}>
                        <Table.Td>
                          <Text fw={500}>{nameOf(user)}</Text>
                          <Text size="xs" c="dimmed">{user.username}{user.email ? ` · ${user.email}` : ''}</Text>
                          {user.creationGroupPk === null && <Text size="xs" c="dimmed">member (own account)</Text>}
                          {user.userType === 'APPLICATION' && <Badge size="xs" variant="outline">application</Badge>}
                        </Table.Td>
                        <Table.Td><StatusOf status={user.status} /></Table.Td>
                        <Table.Td>
                          <Group gap={4}>
                            {issuesOf(user).map((code) => <Badge key={code} size="sm" color="red" variant="light">{ISSUES[code] ?? code}</Badge>)}
                          </Group>
                        </Table.Td>
                        <Table.Td><Text size="sm">{user.lastLoginDate ? when(new Date(user.lastLoginDate).toISOString()) : 'never'}</Text></Table.Td>
                        <Table.Td ta="right">
                          <Button size="xs" variant={user.userPk === selected ? 'filled' : 'default'} onClick={() => setSelected(user.userPk === selected ? null : user.userPk)}>
                            Manage {user.username}
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Pager page={data.page.number + 1} pageSize={SIZE} count={data.page.totalElements} onPage={(p) => setPage(p - 1)} />
            </>
          )}
      </Loaded>
      {chosen && <UserPanel key={chosen.userPk} user={chosen} issues={issuesOf(chosen)} onChanged={reload} onClose={() => setSelected(null)} />}
    </Stack>
  );
}

function UserPanel({ user, issues, onChanged, onClose }: { user: TeamUser; issues: string[]; onChanged: () => void; onClose: () => void }) {
  const me = useUser();
  const base = `/accountcentral/users/${user.userPk}`;
  const twoFactor = useResource<{ active: boolean }>(`${base}/two-factor`);
  const events = useResource<AcPage<SecurityEvent>>(`${base}/security-events${query({ size: 10 })}`);
  const [reason, setReason] = useState('');
  const [password, setPassword] = useState<string | null>(null);
  const refresh = () => { onChanged(); twoFactor.reload(); events.reload(); };
  const act = useSubmit(async (how: 'suspend' | 'reactivate' | 'unlock' | 'pin' | 'password' | 'on' | 'off') => {
    if (how === 'suspend') await api('PUT', `${base}/suspension`, { suspended: true, ...(reason.trim() ? { reason: reason.trim() } : {}) });
    else if (how === 'reactivate') await api('PUT', `${base}/suspension`, { suspended: false });
    else if (how === 'unlock') await api('DELETE', `${base}/lockout`);
    else if (how === 'pin') await api('POST', `${base}/pin/reset`);
    else if (how === 'password') setPassword((await api<{ newPassword: string }>('POST', `${base}/password/reset`)).newPassword);
    else await api('PUT', `${base}/two-factor`, { active: how === 'on' });
    refresh();
  });
  const team = user.creationGroupPk !== null && user.username !== me.username;
  const who = user.username;
  return (
    <Card withBorder component="section" aria-labelledby="team-user-heading" bg="var(--mantine-color-body)">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h5" id="team-user-heading">{nameOf(user)} ({who})</Title>
        <Button size="xs" variant="subtle" onClick={onClose}>Close</Button>
      </Group>
      <Stack gap="sm">
        <Group gap="xs">
          <Text size="sm">Status:</Text><StatusOf status={user.status} />
          {issues.map((code) => <Badge key={code} size="sm" color="red" variant="light">{ISSUES[code] ?? code}</Badge>)}
        </Group>
        <Text size="sm">Mobile number: {user.cellPhone ?? 'none'}{user.cellPhone ? (user.cellPhoneVerified ? ' (verified)' : ' (not verified)') : ''}</Text>
        {!team && <Text size="sm" c="dimmed">This account was not made by this organization: you can read it, not administer it.</Text>}
        <FormError error={act.error} title="That was refused" />
        {team && (
          <>
            <Group gap="xs" align="end" wrap="wrap">
              {user.status === 'ACTIVE' ? (
                <>
                  <TextInput label="Reason (optional)" size="xs" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
                  <ConfirmButton label={`Suspend ${who}`} title={`Suspend ${who}?`} confirm="Suspend" busy={act.busy} action={() => act.run('suspend')}>
                    <Text size="sm">They can no longer log in; every session, token and API key of theirs stops working at once. They are told by mail.</Text>
                  </ConfirmButton>
                </>
              ) : (
                <Button size="xs" variant="light" color="teal" loading={act.busy} onClick={() => void act.run('reactivate')}>Reactivate {who}</Button>
              )}
              {issues.includes('LOCKED_OUT') && <Button size="xs" variant="default" loading={act.busy} onClick={() => void act.run('unlock')}>Unlock {who}</Button>}
              <ConfirmButton label={`Reset the password of ${who}`} title={`Give ${who} a new password?`} confirm="Reset the password" color="orange" busy={act.busy} action={() => act.run('password')}>
                <Text size="sm">A new random password replaces theirs. They are logged out everywhere, their API keys stop working, and they are told by mail. You will see the new password once.</Text>
              </ConfirmButton>
              <ConfirmButton label={`Reset the PIN of ${who}`} title={`Reset the PIN of ${who}?`} confirm="Reset the PIN" color="orange" busy={act.busy} action={() => act.run('pin')}>
                <Text size="sm">Login codes by text message are turned off, and their mobile number must be verified again before they can be turned back on.</Text>
              </ConfirmButton>
            </Group>
            <Loaded resource={twoFactor} what="the second factor">
              {(state) => (
                <Switch label="Second factor: a code by text message at each login" checked={state.active} disabled={act.busy}
                  onChange={(e) => void act.run(e.currentTarget.checked ? 'on' : 'off')} />
              )}
            </Loaded>
          </>
        )}
        <Title order={4} size="h6">Security events</Title>
        <Loaded resource={events} what="the security events">
          {(data) => data.elements.length === 0 ? <Text size="sm" c="dimmed">None yet.</Text> : (
            <Table aria-label={`Security events of ${who}`} verticalSpacing={4}>
              <Table.Tbody>
                {data.elements.map((event, i) => (
                  <Table.Tr key={`${event.date}-${i}`}>
                    <Table.Td><Text size="xs">{when(event.date)}</Text></Table.Td>
                    <Table.Td><Text size="xs" ff="monospace">{event.type}</Text></Table.Td>
                    <Table.Td><Text size="xs" c="dimmed">{typeof event.detail?.by === 'string' ? `by ${event.detail.by}` : event.ip ?? ''}</Text></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Loaded>
      </Stack>
      <Modal opened={password !== null} onClose={() => setPassword(null)} title={`A new password for ${who}`}>
        <Stack>
          <Alert color="orange" title="Shown only this once">
            Copy it now and give it to {who} through a safe channel: it cannot be shown again (a new reset makes another).
            Ask them to change it once they are logged in.
          </Alert>
          {password && <CopyField value={password} label={`New password of ${who}`} />}
          <Group justify="flex-end"><Button onClick={() => setPassword(null)}>Done</Button></Group>
        </Stack>
      </Modal>
    </Card>
  );
}
