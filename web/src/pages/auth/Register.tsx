// /register: a name and an e-mail address (a username if the person wants to pick one);
// the password is chosen on the activation page, by whoever reads the mailbox. The API
// answers the same whether or not the address already has an account, and so does the page.
import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, Text, TextInput } from '@mantine/core';
import { Link, Navigate, useSearchParams } from 'react-router';
import { api } from '../../lib/api';
import { useSubmit } from '../../lib/forms';
import { safeNext, useSession } from '../../lib/session';
import { AuthCard } from './AuthCard';
import { Refusal } from './Refusal';
import { withNext } from './Login';
import { rememberNext } from './nextStore';

interface RegistrationAnswer { detail: string; email: string }

export function Register() {
  const { session } = useSession();
  const [params] = useSearchParams();
  const nextParam = params.get('next');
  const [fullName, setFullName] = useState('');
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [sent, setSent] = useState<RegistrationAnswer | null>(null);
  const submission = useSubmit(async () => {
    const answer = await api<RegistrationAnswer>('POST', '/auth/register/', {
      full_name: fullName.trim(), email: email.trim(), ...(username.trim() ? { username: username.trim() } : {}),
    });
    rememberNext(nextParam);
    setSent(answer);
  });

  if (session.user && !sent) return <Navigate to={safeNext(nextParam)} replace />;

  if (sent) {
    return (
      <AuthCard title="Check your mail">
        <Alert color="teal" title="One more step">{sent.detail}</Alert>
        <Text>The link works once and for a limited time. If nothing arrives within a few minutes, look in your spam folder, or sign up again to get a new link.</Text>
        <Text size="sm" c="dimmed">Already have an account with this address? The message tells you how to get back in.</Text>
        <Button variant="default" onClick={() => { setSent(null); submission.reset(); }}>Use another address</Button>
      </AuthCard>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void submission.run();
  };
  return (
    <AuthCard
      title="Create your account"
      footer={<Text size="sm">Already have an account? <Anchor component={Link} to={withNext('/login', nextParam)}>Log in</Anchor></Text>}
    >
      <Text>We will mail you a link to activate the account and choose your password.</Text>
      <form onSubmit={submit} noValidate>
        <TextInput label="Full name" value={fullName} onChange={(e) => setFullName(e.currentTarget.value)}
          error={submission.fieldError('full_name')} autoComplete="name" required mb="sm" autoFocus />
        <TextInput label="E-mail" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)}
          error={submission.fieldError('email')} autoComplete="email" required mb="sm" />
        <TextInput label="Username" description="Optional: made from your e-mail address if you leave it empty. Others see it."
          value={username} onChange={(e) => setUsername(e.currentTarget.value)}
          error={submission.fieldError('username')} autoComplete="username" mb="md" />
        <Refusal error={submission.error} fields={['full_name', 'email', 'username']} />
        <Button type="submit" fullWidth mt="md" loading={submission.busy}>Sign up</Button>
      </form>
    </AuthCard>
  );
}
