// /me/api-keys: a user has one secret API key at a time. Making a new one revokes the old
// one; the secret is shown once. The API lists no keys (only their hashes are kept).
import { useState } from 'react';
import { Alert, Button, Code, Group, Paper, Stack, Text } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { CurrentPassword } from './common';
import { CopyField } from './CopyField';

export function ApiKeysPage() {
  const user = useUser();
  const [password, setPassword] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const reset = useSubmit(async () => {
    const answer = await api<{ secret: string }>('POST', `/users/${encodeURIComponent(user.username)}/api-keys/`, { password });
    setSecret(answer.secret);
    setPassword('');
  });
  return (
    <>
      <PageTitle>API keys</PageTitle>
      <Stack maw={620}>
        <Text size="sm">
          An API key lets a program call the API as you. Send it as the user name of HTTP Basic authentication with an empty
          password, for example <Code>curl -u &quot;KEY:&quot; {window.location.origin}/api/auth/session/</Code>.
          You have at most one key: making a new one stops the previous one at once. A password reset stops it too.
        </Text>
        {secret && (
          <Alert color="yellow" title="Your new API key, shown only now" role="status">
            <Stack gap="xs">
              <Text size="sm">Copy it now and keep it safe: we keep only a fingerprint of it and cannot show it again.</Text>
              <CopyField value={secret} label="API key" />
              <Group><Button size="xs" variant="default" onClick={() => setSecret(null)}>I saved it, hide it</Button></Group>
            </Stack>
          </Alert>
        )}
        <Paper withBorder p="md" radius="md">
          <form onSubmit={(event) => { event.preventDefault(); void reset.run(); }}>
            <Stack>
              <CurrentPassword value={password} onChange={setPassword} error={reset.fieldError('password')} />
              <FormError error={reset.error} fields={['password']} />
              <Group><Button type="submit" loading={reset.busy}>Make a new API key</Button></Group>
            </Stack>
          </form>
        </Paper>
      </Stack>
    </>
  );
}
