// /me/ssh-keys: the account's OpenSSH public key (one; setting it replaces the previous one).
// The API takes a key but does not answer the one set, so the page cannot show it back.
import { useState } from 'react';
import { Button, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { CurrentPassword } from './common';

export function SshKeysPage() {
  const user = useUser();
  const [pubkey, setPubkey] = useState('');
  const [password, setPassword] = useState('');
  const save = useSubmit(async () => {
    await api('PUT', `/users/${encodeURIComponent(user.username)}/ssh-keys/`, { pubkey: pubkey.trim(), password });
    setPassword('');
  }, { success: 'Your public key is saved.' });
  return (
    <>
      <PageTitle>SSH keys</PageTitle>
      <Paper withBorder p="md" radius="md" maw={620}>
        <form onSubmit={(event) => { event.preventDefault(); void save.run(); }}>
          <Stack>
            <Text size="sm">Your public SSH key, for the services that let you in with it. Setting a key replaces the one you had.</Text>
            <Textarea label="Public key" required autosize minRows={3} value={pubkey} onChange={(e) => setPubkey(e.currentTarget.value)}
              error={save.fieldError('pubkey')} placeholder="ssh-ed25519 AAAA... you@laptop"
              description="The content of ~/.ssh/id_ed25519.pub (ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256/384/521). Never the private key." />
            <CurrentPassword value={password} onChange={setPassword} error={save.fieldError('password')} />
            <FormError error={save.error} fields={['pubkey', 'password']} />
            <Group><Button type="submit" loading={save.busy}>Save the public key</Button></Group>
          </Stack>
        </form>
      </Paper>
    </>
  );
}
