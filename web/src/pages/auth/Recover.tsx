// /recover: mails a link to choose a new password. The API answers the same whether or not
// an account has the address, and so does the page.
import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, Text, TextInput } from '@mantine/core';
import { Link } from 'react-router';
import { api } from '../../lib/api';
import { useSubmit } from '../../lib/forms';
import { AuthCard } from './AuthCard';
import { Refusal } from './Refusal';

export function Recover() {
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const submission = useSubmit(async () => {
    const answer = await api<{ email: string }>('POST', '/auth/recover/', { email: email.trim() });
    setSentTo(answer.email);
  });
  const footer = <Anchor component={Link} to="/login" size="sm">Back to log in</Anchor>;

  if (sentTo) {
    return (
      <AuthCard title="Check your mail" footer={footer}>
        <Alert color="teal" title="If an account has this address">
          We sent a link to {sentTo} to choose a new password.
        </Alert>
        <Text>The link works once and for a limited time. If nothing arrives within a few minutes, look in your spam folder or check the address.</Text>
        <Button variant="default" onClick={() => { setSentTo(null); submission.reset(); }}>Use another address</Button>
      </AuthCard>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void submission.run();
  };
  return (
    <AuthCard title="Forgot your password?" footer={footer}>
      <Text>Enter the e-mail address of your account: we will mail you a link to choose a new password.</Text>
      <form onSubmit={submit} noValidate>
        <TextInput label="E-mail" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)}
          error={submission.fieldError('email')} autoComplete="email" required autoFocus mb="md" />
        <Refusal error={submission.error} fields={['email']} />
        <Button type="submit" fullWidth mt="md" loading={submission.busy}>Send me a link</Button>
      </form>
    </AuthCard>
  );
}
