// Members and roles: who holds which role, invitations waiting for an answer, people asking
// to join (accept, deny, deny and block), blocked requesters; managers grant or invite by
// e-mail or username, and revoke. The last-manager rule is explained when the API refuses.
import { useState, type FormEvent, type ReactNode } from 'react';
import { Alert, Button, Card, Group, Select, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { api, ApiError, query } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import {
  ConfirmButton, Loaded, PAGE_SIZE, Pager, QuotaNote, refusal, useResource, when,
  type Page, type RoleDescriptionWithRoles, type RoleHolder, type User,
} from './common';
import { useOrg } from './OrgLayout';

interface Blocked {
  user: { slug: string; username: string; printable_name: string };
  blocked_by: string | null;
  created_at: string;
}

/** A refusal to revoke in words: the API's 409 `role.last_manager` is a rule, not a failure. */
export function revokeRefusal(error: ApiError): string {
  if (error.code === 'role.last_manager') {
    return 'An organization must always keep at least one manager, so the last one cannot be removed. Make someone else a manager first (they must accept), then remove this one.';
  }
  return refusal(error);
}

function who(user: User): string {
  return user.full_name || user.printable_name || user.username;
}

export function MembersTab() {
  const { org, can } = useOrg();
  const me = useUser();
  const base = `/profile/${encodeURIComponent(org.slug)}/roles`;
  const roles = useResource<Page<RoleDescriptionWithRoles>>(`${base}/describe/${query({ page_size: 100 })}`);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const manage = can.manage && org.status !== 'closed';

  const act = async (what: () => Promise<unknown>, done: string, words: (e: ApiError) => string = refusal) => {
    setBusy(true); setProblem(null); setNotice(null);
    try { await what(); setNotice(done); roles.reload(); return true; }
    catch (caught) { setProblem(caught instanceof ApiError ? words(caught) : String(caught)); return false; }
    finally { setBusy(false); }
  };
  const revoke = (role: string, holder: RoleHolder, done: string) =>
    act(() => api('DELETE', `${base}/${encodeURIComponent(role)}/${encodeURIComponent(holder.user.slug)}/`, {}), done, revokeRefusal);

  return (
    <Stack>
      {problem && <Alert color="red" role="alert" title="That was refused" withCloseButton onClose={() => setProblem(null)}>{problem}</Alert>}
      {notice && <Alert color="teal" role="status" withCloseButton onClose={() => setNotice(null)}>{notice}</Alert>}
      {manage && roles.data && <GrantForm roles={roles.data.results} onGranted={(text) => { setNotice(text); roles.reload(); }} />}
      <Loaded resource={roles} what="the members">
        {(data) => {
          const holders = data.results.flatMap((d) => d.roles.map((h) => ({ role: d, holder: h })));
          const invited = holders.filter((x) => x.holder.state === 'invited');
          const requested = holders.filter((x) => x.holder.state === 'requested');
          return (
            <>
              <Card withBorder component="section" aria-labelledby="members-heading">
                <Title order={2} size="h4" id="members-heading" mb="sm">Members by role</Title>
                <Stack>
                  {data.results.map((d) => {
                    const accepted = d.roles.filter((h) => h.state === 'accepted');
                    return (
                      <div key={d.slug}>
                        <Title order={3} size="h5">{d.title} <Text span size="sm" c="dimmed">({accepted.length})</Text></Title>
                        {accepted.length === 0 ? <Text size="sm" c="dimmed">Nobody holds this role.</Text> : (
                          <Stack gap={0}>
                            {accepted.map((h) => (
                              <Row key={h.user.slug} name={who(h.user)} line={`${h.user.email ?? h.user.username} · since ${when(h.created_at)}`}>
                                {manage && (
                                  <ConfirmButton label={h.user.username === me.username ? `Remove myself from ${d.title}` : `Remove ${who(h.user)}`}
                                    title={`Remove ${who(h.user)} from ${d.title}?`} confirm="Remove" busy={busy}
                                    action={() => revoke(d.slug, h, `${who(h.user)} no longer holds the ${d.title} role.`)}>
                                    <Text size="sm">They lose what this role lets them do on {org.printable_name}.</Text>
                                  </ConfirmButton>
                                )}
                              </Row>
                            ))}
                          </Stack>
                        )}
                      </div>
                    );
                  })}
                </Stack>
              </Card>
              {manage && (
                <Card withBorder component="section" aria-labelledby="invited-heading">
                  <Title order={2} size="h4" id="invited-heading" mb="sm">Pending invitations</Title>
                  {invited.length === 0 ? <Text size="sm" c="dimmed">No invitation is waiting for an answer.</Text> : (
                    <Stack gap={0}>
                      {invited.map(({ role, holder }) => (
                        <Row key={`${role.slug}-${holder.user.slug}`} name={who(holder.user)} line={`invited as ${role.title}, ${when(holder.created_at)}`}>
                          <Button size="xs" variant="default" loading={busy}
                            onClick={() => void act(() => api('POST', `${base}/${encodeURIComponent(role.slug)}/${encodeURIComponent(holder.user.slug)}/`, {}), `A new invitation was mailed to ${who(holder.user)}.`)}>
                            Send again
                          </Button>
                          <Button size="xs" variant="light" color="red" loading={busy}
                            onClick={() => void revoke(role.slug, holder, `The invitation of ${who(holder.user)} was withdrawn.`)}>
                            Withdraw
                          </Button>
                        </Row>
                      ))}
                    </Stack>
                  )}
                </Card>
              )}
              {manage && (
                <Card withBorder component="section" aria-labelledby="requests-heading">
                  <Title order={2} size="h4" id="requests-heading" mb="sm">Requests to join</Title>
                  {requested.length === 0 ? <Text size="sm" c="dimmed">Nobody is asking to join.</Text> : (
                    <Stack gap="xs">
                      {requested.map(({ role, holder }) => (
                        <JoinRequest key={holder.request_key ?? holder.user.slug} holder={holder} role={role} roles={data.results} busy={busy} act={act} />
                      ))}
                    </Stack>
                  )}
                </Card>
              )}
            </>
          );
        }}
      </Loaded>
      {manage && <BlockedList onChange={roles.reload} />}
    </Stack>
  );
}

/** One person: their name and a line about them, with the actions beside (below, on a phone). */
function Row({ name, line, children }: { name: string; line: string; children?: ReactNode }) {
  return (
    <Group justify="space-between" wrap="wrap" gap="xs" py={6} style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }}>
      <div style={{ minWidth: 0 }}>
        <Text>{name}</Text>
        <Text size="xs" c="dimmed">{line}</Text>
      </div>
      <Group gap="xs">{children}</Group>
    </Group>
  );
}

type Act = (what: () => Promise<unknown>, done: string) => Promise<boolean>;

/** One request: accept as the role asked (or another), deny, or deny and block the requester. */
export function JoinRequest({ holder, role, roles, busy, act }: { holder: RoleHolder; role: RoleDescriptionWithRoles; roles: RoleDescriptionWithRoles[]; busy: boolean; act: Act }) {
  const { org } = useOrg();
  const [as, setAs] = useState(role.slug);
  const key = encodeURIComponent(holder.request_key ?? '');
  const base = `/profile/${encodeURIComponent(org.slug)}/roles/accept/${key}/`;
  const name = who(holder.user);
  return (
    <Group justify="space-between" wrap="wrap" gap="xs">
      <div>
        <Text>{name}</Text>
        <Text size="xs" c="dimmed">{holder.user.email ?? holder.user.username} asks for the role “{role.title}”, {when(holder.created_at)}</Text>
      </div>
      <Group gap="xs" align="end">
        <Select label={`Role for ${name}`} size="xs" w={170} value={as} allowDeselect={false}
          data={roles.map((r) => ({ value: r.slug, label: r.title }))} onChange={(value) => setAs(value ?? role.slug)} />
        <Button size="xs" loading={busy} onClick={() => void act(() => api('POST', base, as === role.slug ? {} : { role: as }), `${name} joined ${org.printable_name}.`)}>Accept</Button>
        <Button size="xs" variant="default" loading={busy} onClick={() => void act(() => api('DELETE', base, {}), `The request of ${name} was denied.`)}>Deny</Button>
        <Button size="xs" variant="light" color="red" loading={busy}
          onClick={() => void act(() => api('DELETE', `${base}${query({ block: true })}`, {}), `The request of ${name} was denied; their next requests will notify nobody.`)}>
          Deny and block
        </Button>
      </Group>
    </Group>
  );
}

function GrantForm({ roles, onGranted }: { roles: RoleDescriptionWithRoles[]; onGranted: (text: string) => void }) {
  const { org } = useOrg();
  const [role, setRole] = useState(roles.find((r) => r.slug === 'contributor')?.slug ?? roles[0]?.slug ?? 'manager');
  const [grantee, setGrantee] = useState('');
  const [fullName, setFullName] = useState('');
  const [message, setMessage] = useState('');
  const byEmail = grantee.includes('@');
  const submit = useSubmit(async () => {
    const target = grantee.trim();
    const body = byEmail
      ? { email: target, ...(fullName.trim() ? { full_name: fullName.trim() } : {}), ...(message.trim() ? { message: message.trim() } : {}) }
      : { slug: target, ...(message.trim() ? { message: message.trim() } : {}) };
    const granted = await api<{ state: string }>('POST', `/profile/${encodeURIComponent(org.slug)}/roles/${encodeURIComponent(role)}/`, body);
    const title = roles.find((r) => r.slug === role)?.title ?? role;
    onGranted(granted.state === 'accepted' ? `${target} is now ${title}.` : `${target} was invited as ${title}; they will find the invitation in their mail.`);
    setGrantee(''); setFullName(''); setMessage('');
  });
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void submit.run(); };
  return (
    <Card withBorder component="section" aria-labelledby="grant-heading">
      <Title order={2} size="h4" id="grant-heading" mb="sm">Invite someone</Title>
      <form onSubmit={onSubmit}>
        <Stack gap="sm">
          <FormError error={submit.error} fields={['email', 'slug', 'full_name', 'message']} />
          <QuotaNote error={submit.error} />
          <Group grow align="start" wrap="wrap">
            <TextInput label="E-mail or username" required value={grantee} onChange={(e) => setGrantee(e.currentTarget.value)}
              miw={220} error={submit.fieldError('email') ?? submit.fieldError('slug')}
              description="Someone without an account yet is invited by e-mail." />
            <Select label="Role" value={role} allowDeselect={false} miw={160}
              data={roles.map((r) => ({ value: r.slug, label: r.title }))} onChange={(value) => setRole(value ?? role)} />
          </Group>
          {byEmail && <TextInput label="Their name (optional)" value={fullName} onChange={(e) => setFullName(e.currentTarget.value)} error={submit.fieldError('full_name')} />}
          <Textarea label="Message (optional)" autosize minRows={2} value={message} onChange={(e) => setMessage(e.currentTarget.value)} error={submit.fieldError('message')} />
          <Group><Button type="submit" loading={submit.busy}>Send invitation</Button></Group>
        </Stack>
      </form>
    </Card>
  );
}

function BlockedList({ onChange }: { onChange: () => void }) {
  const { org } = useOrg();
  const [page, setPage] = useState(1);
  const base = `/profile/${encodeURIComponent(org.slug)}/roles/blocked/`;
  const blocked = useResource<Page<Blocked>>(`${base}${query({ page: page > 1 ? page : undefined, page_size: PAGE_SIZE })}`);
  const unblock = useSubmit(async (user: string) => { await api('DELETE', `${base}${encodeURIComponent(user)}/`, {}); blocked.reload(); onChange(); }, { success: 'Unblocked: their next request will notify the managers.' });
  return (
    <Card withBorder component="section" aria-labelledby="blocked-heading">
      <Title order={2} size="h4" id="blocked-heading" mb="sm">Blocked requesters</Title>
      <FormError error={unblock.error} />
      <Loaded resource={blocked} what="the blocked requesters">
        {(data) => data.results.length === 0 ? <Text size="sm" c="dimmed">Nobody is blocked.</Text> : (
          <>
            {data.results.map((b) => (
              <Group key={b.user.slug} justify="space-between" py={4}>
                <div>
                  <Text>{b.user.printable_name}</Text>
                  <Text size="xs" c="dimmed">blocked {b.blocked_by ? `by ${b.blocked_by} ` : ''}{when(b.created_at)}</Text>
                </div>
                <Button size="xs" variant="default" loading={unblock.busy} onClick={() => void unblock.run(b.user.slug)}>Unblock {b.user.printable_name}</Button>
              </Group>
            ))}
            <Pager page={page} pageSize={PAGE_SIZE} count={data.count} onPage={setPage} />
          </>
        )}
      </Loaded>
      <Text size="xs" c="dimmed" mt="xs">Requests from blocked people are kept but notify nobody.</Text>
    </Card>
  );
}
