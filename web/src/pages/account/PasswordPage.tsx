// /me/password: current password, then the new one twice. The API's policy messages (too
// short, too common, too like the username...) appear under the new password.
import { useState } from 'react';
import { Button, Group, Paper, PasswordInput, Stack, Text } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { allMessages } from './common';

// Mantine's PasswordInput marks no error for assistive technology: each field says aria-invalid itself.

export function PasswordPage() {
  const user = useUser();
  const [password, setPassword] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useSubmit(async () => {
    await api('PUT', `/users/${encodeURIComponent(user.username)}/password/`, { password, new_password: next });
    setPassword('');
    setNext('');
    setAgain('');
  }, { success: 'Your password is changed. Your other sessions were logged out.' });

  const submit = () => {
    if (next !== again) { setMismatch(true); return; }
    setMismatch(false);
    void change.run();
  };

  return (
    <>
      <PageTitle>Password</PageTitle>
      <Paper withBorder p="md" radius="md" maw={520}>
        <form onSubmit={(event) => { event.preventDefault(); submit(); }}>
          <Stack>
            <Text size="sm">Changing your password logs you out everywhere else; this browser stays logged in. Your API key keeps working.</Text>
            <PasswordInput label="Current password" autoComplete="current-password" required value={password}
              onChange={(e) => setPassword(e.currentTarget.value)} error={allMessages(change.error, 'password')} aria-invalid={!!change.error?.field('password')} />
            <PasswordInput label="New password" autoComplete="new-password" required value={next}
              onChange={(e) => setNext(e.currentTarget.value)} error={allMessages(change.error, 'new_password')}
              aria-invalid={!!change.error?.field('new_password')}
              description="Long is strong: a few unrelated words make a good one. Not your username or e-mail address." />
            <PasswordInput label="New password again" autoComplete="new-password" required value={again}
              onChange={(e) => { setAgain(e.currentTarget.value); setMismatch(false); }}
              error={mismatch ? 'The two new passwords are not the same.' : undefined} aria-invalid={mismatch} />
            <FormError error={change.error} fields={['password', 'new_password']} />
            <Group><Button type="submit" loading={change.busy}>Change the password</Button></Group>
          </Stack>
        </form>
      </Paper>
    </>
  );
}
