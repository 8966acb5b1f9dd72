// /activate/:key: greets whoever the mailed key belongs to, asks for their password (the
// API always takes it here: activating proves the mailbox, and the owner chooses it), and
// activates, which logs them in.
import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Anchor, Avatar, Button, Center, Group, Loader, PasswordInput, Text, TextInput } from '@mantine/core';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError } from '../../lib/api';
import { useSubmit } from '../../lib/forms';
import { safeNext, useSession } from '../../lib/session';
import { AuthCard } from './AuthCard';
import { Refusal } from './Refusal';
import { takeRememberedNext } from './nextStore';

interface ActivationView {
  username: string;
  email: string | null;
  full_name: string | null;
  printable_name: string;
  picture: string | null;
}

export function Activate() {
  const { key = '' } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { refresh } = useSession();
  const [view, setView] = useState<ActivationView | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [username, setUsername] = useState('');
  const [fullName, setFullName] = useState('');
  const [password, setPassword] = useState('');

  useEffect(() => {
    let live = true;
    api<ActivationView>('GET', `/auth/activate/${encodeURIComponent(key)}/`)
      .then((answer) => {
        if (!live) return;
        setView(answer);
        setUsername(answer.username);
        setFullName(answer.full_name ?? '');
      })
      .catch((caught: unknown) => { if (live) setLoadError(caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {})); });
    return () => { live = false; };
  }, [key]);

  const submission = useSubmit(async () => {
    await api('POST', `/auth/activate/${encodeURIComponent(key)}/`, {
      new_password: password,
      ...(view && username.trim() !== view.username ? { username: username.trim() } : {}),
      ...(fullName.trim() ? { full_name: fullName.trim() } : {}),
    });
    const remembered = takeRememberedNext();
    await refresh();
    navigate(safeNext(params.get('next') ?? remembered), { replace: true });
  });

  if (loadError) {
    return (
      <AuthCard title="Activate your account">
        <Refusal error={loadError} />
        <Text>Not activated yet? Sign up again with the same address: we mail you a new link. Already activated? Log in.</Text>
        <Group>
          <Button component={Link} to="/register">Sign up again</Button>
          <Button component={Link} to="/login" variant="default">Log in</Button>
        </Group>
      </AuthCard>
    );
  }
  if (!view) {
    return (
      <AuthCard title="Activate your account">
        <Center py="lg"><Loader aria-label="Loading the account" /></Center>
      </AuthCard>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void submission.run();
  };
  return (
    <AuthCard title="Activate your account" footer={<Anchor component={Link} to="/login" size="sm">Already activated? Log in</Anchor>}>
      <Group wrap="nowrap">
        <Avatar src={view.picture} alt="" radius="xl" color="indigo">{view.printable_name.slice(0, 1).toUpperCase()}</Avatar>
        <div>
          <Text fw={600}>Welcome, {view.printable_name}</Text>
          {view.email && <Text size="sm" c="dimmed">{view.email}</Text>}
        </div>
      </Group>
      <Text>Choose your password to activate the account. You will be logged in right after.</Text>
      <form onSubmit={submit} noValidate>
        <TextInput label="Full name" value={fullName} onChange={(e) => setFullName(e.currentTarget.value)}
          error={submission.fieldError('full_name')} autoComplete="name" mb="sm" />
        <TextInput label="Username" description="Others see it; you can log in with it or your e-mail address."
          value={username} onChange={(e) => setUsername(e.currentTarget.value)}
          error={submission.fieldError('username')} autoComplete="username" required mb="sm" />
        <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)}
          error={submission.fieldError('new_password')} autoComplete="new-password" required autoFocus mb="md" />
        <Refusal error={submission.error} fields={['full_name', 'username', 'new_password']} />
        {submission.error?.code === 'link.invalid' && (
          <Alert color="gray" mt="sm">Sign up again with the same address to get a new activation link.</Alert>
        )}
        <Button type="submit" fullWidth mt="md" loading={submission.busy}>Activate and log in</Button>
      </form>
    </AuthCard>
  );
}
