// /email/confirm/:key and /email/undo/:key: the links mailed after an e-mail address change.
// The page waits for a click before it uses the key: mail scanners open links on their own.
import { useState } from 'react';
import { Alert, Button, Group, Text } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { api } from '../../lib/api';
import { useSubmit } from '../../lib/forms';
import { useSession } from '../../lib/session';
import { AuthCard } from './AuthCard';
import { Refusal } from './Refusal';

interface EmailAnswer { detail: string; email: string }

export function EmailLink({ undo }: { undo: boolean }) {
  const { key = '' } = useParams();
  const { session, refresh } = useSession();
  const [done, setDone] = useState<EmailAnswer | null>(null);
  const submission = useSubmit(async () => {
    const answer = await api<EmailAnswer>('POST', `/auth/email/${encodeURIComponent(key)}/${undo ? 'undo/' : ''}`, {});
    setDone(answer);
    // The frame shows the address of whoever is logged in.
    if (session.user) await refresh();
  });
  const title = undo ? 'Put your former address back' : 'Confirm your new e-mail address';
  const next = session.user ? <Button component={Link} to="/me">Go to my account</Button> : <Button component={Link} to="/login">Log in</Button>;

  if (done) {
    return (
      <AuthCard title={title}>
        <Alert color="teal" title={undo ? 'Address restored' : 'Address confirmed'}>{done.detail}</Alert>
        <Text>The account's address is now {done.email}.</Text>
        {undo && <Text>Choose a new password with the link we just mailed, in case someone else changed the address.</Text>}
        <Group>{undo ? <Button component={Link} to="/login">Log in</Button> : next}</Group>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={title}>
      <Text>
        {undo
          ? 'The e-mail address of your account was changed. If you did not ask for this, put this address back: we then mail you a link to choose a new password, in case someone else knows it.'
          : 'Confirm that this is your address: messages and password resets then go to it.'}
      </Text>
      <Refusal error={submission.error} />
      <Group>
        <Button onClick={() => void submission.run()} loading={submission.busy} color={undo ? 'red' : undefined}>
          {undo ? 'Put my former address back' : 'Confirm this address'}
        </Button>
      </Group>
    </AuthCard>
  );
}
