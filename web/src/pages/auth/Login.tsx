// /login: username (or e-mail) and password, then, when the account has a second factor,
// a second step for the code. The API signals it with a 400 on `code`: `login.code_required`
// (authenticator app) or `login.code_sent` (a code just went out by e-mail or text message).
// The second step sends the password again with the code, so it is kept in memory only.
import { useState, type FormEvent } from 'react';
import { Anchor, Button, Group, PasswordInput, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError } from '../../lib/api';
import { safeNext, useSession } from '../../lib/session';
import { AuthCard } from './AuthCard';
import { Refusal } from './Refusal';

type Step =
  | { kind: 'password' }
  /** `app`: an authenticator app; `sent`: a code went out by mail or SMS (the API's sentence says which). */
  | { kind: 'code'; factor: 'app' | 'sent'; notice: string };

/** `?next=` carried to another sign-in page, so it also comes back. */
export function withNext(path: string, next: string | null): string {
  return next ? `${path}?next=${encodeURIComponent(next)}` : path;
}

export function Login() {
  const { session, refresh } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const nextParam = params.get('next');
  const target = safeNext(nextParam);
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [loggedIn, setLoggedIn] = useState(false);

  // Someone already logged in has nothing to do here (the login itself lands here too).
  if (session.user && !loggedIn) return <Navigate to={target} replace />;

  const attempt = async (withCode: string | undefined) => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/auth/', { username: username.trim(), password, ...(withCode !== undefined ? { code: withCode } : {}) });
      setLoggedIn(true);
      await refresh();
      navigate(target, { replace: true });
    } catch (caught) {
      const failure = caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {});
      if (failure.code === 'login.code_required') {
        setStep({ kind: 'code', factor: 'app', notice: 'Enter the 6-digit code your authenticator app shows for this site.' });
      } else if (failure.code === 'login.code_sent') {
        const notice = failure.field('code') ?? 'We sent you a one-time code.';
        if (step.kind === 'code' && withCode === undefined) notifications.show({ message: 'A new code is on its way.', color: 'teal' });
        setStep({ kind: 'code', factor: 'sent', notice });
      } else if (failure.code === 'login.invalid_credentials' && step.kind === 'code') {
        // The password stopped working between the steps (changed elsewhere): start over.
        setStep({ kind: 'password' });
        setPassword('');
        setError(failure);
      } else {
        setError(failure);
      }
    } finally {
      setBusy(false);
    }
  };

  const submitPassword = (event: FormEvent) => {
    event.preventDefault();
    void attempt(undefined);
  };
  const submitCode = (event: FormEvent) => {
    event.preventDefault();
    void attempt(code.trim());
  };
  const startOver = () => {
    setStep({ kind: 'password' });
    setPassword('');
    setCode('');
    setRecovery(false);
    setError(null);
  };

  const footer = (
    <>
      <Text size="sm">No account yet? <Anchor component={Link} to={withNext('/register', nextParam)}>Sign up</Anchor></Text>
      <Anchor component={Link} to="/recover" size="sm">Forgot your password?</Anchor>
    </>
  );

  if (step.kind === 'code') {
    const label = recovery ? 'Recovery code' : step.factor === 'app' ? 'Code from your authenticator app' : 'One-time code';
    return (
      <AuthCard title="Enter your code" footer={footer}>
        <Text>{recovery ? 'Enter one of the recovery codes you saved when you turned on the authenticator app. Each one works once.' : step.notice}</Text>
        <form onSubmit={submitCode} noValidate>
          <Group gap="md" align="flex-end" wrap="wrap">
            <TextInput
              key={recovery ? 'recovery' : 'code'}
              label={label}
              description={recovery ? 'Like abcde-12345' : undefined}
              value={code}
              onChange={(event) => setCode(event.currentTarget.value)}
              error={error?.field('code')}
              autoComplete="one-time-code"
              inputMode={recovery ? 'text' : 'numeric'}
              autoFocus
              required
              style={{ flex: '1 1 12rem' }}
            />
            <Button type="submit" loading={busy}>Log in</Button>
          </Group>
        </form>
        <Refusal error={error} fields={['code']} />
        <Group gap="md" wrap="wrap">
          {step.factor === 'sent' && (
            <Button variant="subtle" px={0} onClick={() => { setCode(''); void attempt(undefined); }} disabled={busy}>Send me a new code</Button>
          )}
          {step.factor === 'app' && (
            <Button variant="subtle" px={0} onClick={() => { setRecovery(!recovery); setCode(''); setError(null); }}>
              {recovery ? 'Use a code from the app instead' : 'Use a recovery code instead'}
            </Button>
          )}
          <Button variant="subtle" px={0} color="gray" onClick={startOver}>Use another account</Button>
        </Group>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Log in" footer={footer}>
      <form onSubmit={submitPassword} noValidate>
        <TextInput
          label="Username or e-mail"
          value={username}
          onChange={(event) => setUsername(event.currentTarget.value)}
          error={error?.field('username')}
          autoComplete="username"
          autoFocus
          required
          mb="sm"
        />
        <PasswordInput
          label="Password"
          value={password}
          onChange={(event) => setPassword(event.currentTarget.value)}
          error={error?.field('password')}
          autoComplete="current-password"
          required
          mb="md"
        />
        <Refusal error={error} fields={['username', 'password']}>
          {error?.code === 'login.locked' && <div><Anchor component={Link} to="/recover">Reset your password</Anchor></div>}
        </Refusal>
        <Button type="submit" fullWidth mt="md" loading={busy}>Log in</Button>
      </form>
    </AuthCard>
  );
}
