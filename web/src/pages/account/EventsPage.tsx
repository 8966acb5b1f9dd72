// /me/events: the account's security events, newest first, a page at a time (?page= in
// the address, so a page can be reloaded or shared with support).
import { Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { api, query, type Page } from '../../lib/api';
import { useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { LoadState, PAGE_SIZE, Pager, useLoad, when } from './common';
import type { SecurityEvent } from './types';

/** The event types the API records, in words; an unknown type is shown as it is. */
const WORDS: Record<string, string> = {
  'login.succeeded': 'Logged in',
  'login.failed': 'Failed login',
  'login.locked': 'Locked after failed logins',
  'account.unlocked': 'Unlocked',
  'account.activated': 'Account activated',
  'account.suspended': 'Account suspended',
  'account.reactivated': 'Account reactivated',
  'password.changed': 'Password changed',
  'password.reset_requested': 'Password reset asked for',
  'password.reset': 'Password reset',
  'api_key.reset': 'New API key',
  'ssh_key.changed': 'SSH key changed',
  'otp.changed': 'Second factors changed',
  'otp.recovery_code_used': 'Recovery code used',
  'otp.recovery_codes_generated': 'New recovery codes',
  'email.changed': 'E-mail address changed',
  'email.change_requested': 'E-mail change asked for',
  'email.restored': 'E-mail address restored',
  'phone.changed': 'Phone number changed',
  'phone.change_requested': 'Phone change asked for',
  'phone.verified': 'Phone number verified',
  'phone.verification_failed': 'Wrong phone code',
  'token.refreshed': 'Session renewed',
  'session.ended': 'Session ended',
  'session.ended_all': 'Every session ended',
  logout: 'Logged out',
};
const ALARMING = new Set(['login.failed', 'login.locked', 'account.suspended', 'phone.verification_failed']);

export function EventsPage() {
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const state = useLoad(
    () => api<Page<SecurityEvent>>('GET', `/users/${encodeURIComponent(user.username)}/security-events/${query({ page, page_size: PAGE_SIZE })}`),
    `${user.username}:${page}`,
  );
  return (
    <>
      <PageTitle>Security events</PageTitle>
      <Text size="sm" mb="md">Logins and changes to how you log in, newest first. Something you do not recognize? Change your password and end your other sessions.</Text>
      <LoadState state={state}>{(events) => (
        <>
          {events.count === 0 && <Text c="dimmed">No security event yet.</Text>}
          <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Security events">
            {events.results.map((event, index) => (
              <Paper key={`${event.created_at}-${index}`} withBorder p="sm" radius="md" component="li">
                <Group justify="space-between" wrap="wrap" gap="xs">
                  <Badge color={ALARMING.has(event.type) ? 'red' : 'gray'} variant="light">{WORDS[event.type] ?? event.type}</Badge>
                  <Text size="sm">{when(event.created_at)}</Text>
                </Group>
                {(event.ip || event.user_agent) && (
                  <Text size="xs" c="dimmed" mt={4} style={{ wordBreak: 'break-word' }}>
                    {[event.ip, event.user_agent].filter(Boolean).join(' · ')}
                  </Text>
                )}
              </Paper>
            ))}
          </Stack>
          <Pager page={page} count={events.count} pageSize={PAGE_SIZE} label="security events"
            onPage={(next) => setParams(next > 1 ? { page: String(next) } : {})} />
        </>
      )}</LoadState>
    </>
  );
}
