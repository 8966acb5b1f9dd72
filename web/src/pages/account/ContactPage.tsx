// /me/contact: the e-mail address (a new one takes effect once confirmed from the mail sent
// to it) and the phone and mobile numbers, each verified with a code texted to it.
import { useState } from 'react';
import { Alert, Badge, Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { CurrentPassword, LoadState, useLoad, when } from './common';
import type { PersonalInfo, UserProfile } from './types';

function EmailForm({ profile }: { profile: UserProfile }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const change = useSubmit(async () => {
    await api('PATCH', `/users/${encodeURIComponent(profile.slug)}/`, { email: email.trim(), password });
    setSentTo(email.trim());
    setEmail('');
    setPassword('');
  });
  return (
    <form onSubmit={(event) => { event.preventDefault(); void change.run(); }}>
      <Stack>
        <Title order={2} size="h4">E-mail address</Title>
        <Text size="sm">Your address now: <b>{profile.email ?? 'none'}</b></Text>
        {sentTo && (
          <Alert color="teal" role="status" title="Check your mailbox">
            We sent a link to {sentTo}. Your address changes once you open it; until then we keep using {profile.email ?? 'your current address'}.
            Your current address will get a link to undo the change.
          </Alert>
        )}
        <TextInput label="New e-mail address" type="email" autoComplete="email" required value={email}
          onChange={(e) => setEmail(e.currentTarget.value)} error={change.fieldError('email')} />
        <CurrentPassword value={password} onChange={setPassword} error={change.fieldError('password')} />
        <FormError error={change.error} fields={['email', 'password']} />
        <Group><Button type="submit" loading={change.busy}>Change the e-mail address</Button></Group>
      </Stack>
    </form>
  );
}

type NumberField = 'phone' | 'mobile';

function NumberForm({ info, field, onChanged }: { info: PersonalInfo; field: NumberField; onChanged(info: PersonalInfo): void }) {
  const label = field === 'phone' ? 'Phone number' : 'Mobile number';
  const current = info[field];
  const pending = field === 'phone' ? info.phone_pending : null;
  const verified = field === 'phone' ? info.phone_verified : info.mobile_verified;
  const [number, setNumber] = useState('');
  const [password, setPassword] = useState('');
  const [sent, setSent] = useState<{ to: string; expires_at: string } | null>(null);
  const [code, setCode] = useState('');
  const user = encodeURIComponent(info.username);

  const save = useSubmit(async () => {
    const body: Record<string, string | null> = { [field]: number.trim() || null };
    // Only the phone (where login codes go) asks for the password.
    if (field === 'phone') body.password = password;
    onChanged(await api<PersonalInfo>('PATCH', `/users/${user}/personal-info/`, body));
    setNumber('');
    setPassword('');
    setSent(null);
  }, { success: `${label} saved.` });
  const send = useSubmit(async () => {
    setSent(await api<{ to: string; expires_at: string }>('POST', `/users/${user}/personal-info/${field}/verify/`, {}));
  });
  const confirm = useSubmit(async () => {
    await api('POST', `/users/${user}/personal-info/${field}/verify/confirm/`, { code: code.trim() });
    setCode('');
    setSent(null);
    onChanged(await api<PersonalInfo>('GET', `/users/${user}/personal-info/`));
  }, { success: `${label} verified.` });

  const toVerify = pending ?? (current && !verified ? current : null);
  return (
    <Stack>
      <Title order={2} size="h4">{label}</Title>
      <Group gap="xs">
        <Text size="sm">Now: <b>{current ?? 'none'}</b></Text>
        {current && <Badge color={verified ? 'teal' : 'gray'}>{verified ? 'verified' : 'not verified'}</Badge>}
      </Group>
      {pending && <Text size="sm">Waiting for its code: <b>{pending}</b> (login codes go to the number above until it is confirmed).</Text>}
      <form onSubmit={(event) => { event.preventDefault(); void save.run(); }}>
        <Stack>
          <TextInput label={`New ${label.toLowerCase()}`} type="tel" autoComplete="tel" placeholder="+14155550100" value={number}
            onChange={(e) => setNumber(e.currentTarget.value)} error={save.fieldError(field)}
            description="International form: + then the country code and number. Leave empty to remove it." />
          {field === 'phone' && <CurrentPassword value={password} onChange={setPassword} error={save.fieldError('password')} />}
          <FormError error={save.error} fields={[field, 'password']} />
          <Group><Button type="submit" variant="default" loading={save.busy}>Save the {label.toLowerCase()}</Button></Group>
        </Stack>
      </form>
      {toVerify && (
        <Paper withBorder p="sm" radius="md">
          <Stack gap="sm">
            <Text size="sm">Verify {toVerify}: we text it a 6-digit code.</Text>
            <Group><Button size="xs" variant="light" loading={send.busy} onClick={() => void send.run()}>{sent ? 'Send a new code' : 'Send a code'}</Button></Group>
            <FormError error={send.error} />
            {sent && (
              <form onSubmit={(event) => { event.preventDefault(); void confirm.run(); }}>
                <Stack gap="sm">
                  <Text size="sm" role="status">A code went to {sent.to}; it works until {when(sent.expires_at)}.</Text>
                  <TextInput label="Code received by SMS" inputMode="numeric" autoComplete="one-time-code" value={code}
                    onChange={(e) => setCode(e.currentTarget.value)} error={confirm.fieldError('code')} required maxLength={16} />
                  <FormError error={confirm.error} fields={['code']} />
                  <Group><Button type="submit" size="xs" loading={confirm.busy}>Confirm the number</Button></Group>
                </Stack>
              </form>
            )}
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}

export function ContactPage() {
  const user = useUser();
  const slug = encodeURIComponent(user.username);
  const profile = useLoad(() => api<UserProfile>('GET', `/users/${slug}/`), user.username);
  const info = useLoad(() => api<PersonalInfo>('GET', `/users/${slug}/personal-info/`), user.username);
  return (
    <>
      <PageTitle>E-mail and phone</PageTitle>
      <Stack maw={560}>
        <Paper withBorder p="md" radius="md">
          <LoadState state={profile}>{(p) => <EmailForm profile={p} />}</LoadState>
        </Paper>
        <LoadState state={info}>{(i) => (
          <>
            <Paper withBorder p="md" radius="md"><NumberForm info={i} field="phone" onChanged={info.set} /></Paper>
            <Paper withBorder p="md" radius="md"><NumberForm info={i} field="mobile" onChanged={info.set} /></Paper>
          </>
        )}</LoadState>
      </Stack>
    </>
  );
}
