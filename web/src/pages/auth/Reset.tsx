// /reset/:uid/:key: choose a new password through the mailed link. The API logs the person
// in, unless the account has a second factor: then they log in with the new password and it.
import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, PasswordInput, Text } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../lib/api';
import { useSubmit } from '../../lib/forms';
import { useSession } from '../../lib/session';
import { AuthCard } from './AuthCard';
import { Refusal } from './Refusal';

export function Reset() {
  const { uid = '', key = '' } = useParams();
  const navigate = useNavigate();
  const { refresh } = useSession();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [secondFactor, setSecondFactor] = useState<string | null>(null);
  const submission = useSubmit(async () => {
    const answer = await api<{ token?: string; detail?: string }>('POST', `/auth/reset/${encodeURIComponent(uid)}/${encodeURIComponent(key)}/`,
      { new_password: password, new_password2: again });
    if (answer.token) {
      await refresh();
      navigate('/me', { replace: true });
    } else {
      setSecondFactor(answer.detail ?? 'Your password was reset. Log in with it and your second factor.');
    }
  });

  if (secondFactor) {
    return (
      <AuthCard title="Password changed">
        <Alert color="teal">{secondFactor}</Alert>
        <Button component={Link} to="/login">Log in</Button>
      </AuthCard>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void submission.run();
  };
  return (
    <AuthCard title="Choose a new password" footer={<Anchor component={Link} to="/recover" size="sm">Need a new link?</Anchor>}>
      <Text>Changing it logs you out everywhere else and ends your API key and SSH key, in case someone else knew the old password.</Text>
      <form onSubmit={submit} noValidate>
        <PasswordInput label="New password" value={password} onChange={(e) => setPassword(e.currentTarget.value)}
          error={submission.fieldError('new_password')} autoComplete="new-password" required autoFocus mb="sm" />
        <PasswordInput label="New password again" value={again} onChange={(e) => setAgain(e.currentTarget.value)}
          error={submission.fieldError('new_password2')} autoComplete="new-password" required mb="md" />
        <Refusal error={submission.error} fields={['new_password', 'new_password2']} />
        <Button type="submit" fullWidth mt="md" loading={submission.busy}>Set the new password</Button>
      </form>
    </AuthCard>
  );
}
