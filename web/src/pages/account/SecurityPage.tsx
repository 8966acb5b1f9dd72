// /me/security: second factors. The authenticator app is set up in two steps, as the API
// does it: a new seed (shown as a QR code drawn here from its otpauth:// URI, and as text to
// type in), then a first code from the app turns it on and answers ten recovery codes, shown
// once. Codes by e-mail and by SMS at login are switches. Every change asks for the password.
import { useEffect, useState } from 'react';
import QRCode from 'qrcode';
import { Alert, Badge, Button, Group, Image, List, Paper, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { CurrentPassword, LoadState, useLoad } from './common';
import { CopyField } from './CopyField';
import type { SecondFactors } from './types';

interface Seed { priv_key: string; provisioning_uri: string; }
type Settings = Omit<SecondFactors, 'recovery_codes_left'> & { recovery_codes?: string[] };

function QrCode({ uri }: { uri: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    QRCode.toDataURL(uri, { margin: 1, width: 220 }).then((url) => { if (current) setSrc(url); }, () => setSrc(null));
    return () => { current = false; };
  }, [uri]);
  if (!src) return null;
  return <Image src={src} w={220} h={220} alt="QR code to scan with your authenticator app" />;
}

function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <Alert color="yellow" title="Your recovery codes, shown only now" role="status">
      <Stack gap="xs">
        <Text size="sm">Keep them somewhere safe (a password manager, or printed). Each one logs you in once if you lose your phone.
          They will not be shown again.</Text>
        <CopyField value={codes.join('\n')} label="Recovery codes" />
      </Stack>
    </Alert>
  );
}

export function SecurityPage() {
  const user = useUser();
  const slug = encodeURIComponent(user.username);
  const state = useLoad(() => api<SecondFactors>('GET', `/users/${slug}/otp/`), user.username);
  const [password, setPassword] = useState('');
  const [seed, setSeed] = useState<Seed | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);

  const put = async (body: Record<string, unknown>) => api<Settings | Seed>('PUT', `/users/${slug}/otp/`, { password, ...body });
  const start = useSubmit(async () => {
    const answer = await put({ otp_enabled: true });
    if ('priv_key' in answer) { setSeed(answer); setCodes(null); setCode(''); }
  });
  const confirm = useSubmit(async () => {
    const answer = await put({ otp_enabled: true, code: code.trim() });
    if ('otp_enabled' in answer) {
      setSeed(null);
      setCodes(answer.recovery_codes ?? null);
      state.reload();
    }
  }, { success: 'The authenticator app is on.' });
  const turnOff = useSubmit(async () => {
    await put({ otp_enabled: false });
    setCodes(null);
    state.reload();
  }, { success: 'The authenticator app is off.' });
  const regenerate = useSubmit(async () => {
    const answer = await api<{ recovery_codes: string[] }>('POST', `/users/${slug}/otp/recovery-codes/`, { password });
    setCodes(answer.recovery_codes);
    state.reload();
  });
  const toggle = useSubmit(async (name: 'email_verification_enabled' | 'phone_verification_enabled', on: boolean) => {
    await put({ [name]: on });
    state.reload();
  }, { success: 'Saved.' });

  const passwordError = [start, confirm, turnOff, regenerate, toggle].map((s) => s.fieldError('password')).find(Boolean);

  return (
    <>
      <PageTitle>Second factors</PageTitle>
      <LoadState state={state}>{(factors) => (
        <Stack maw={620}>
          <Paper withBorder p="md" radius="md">
            <CurrentPassword value={password} onChange={setPassword} error={passwordError}
              label="Your password" />
            <Text size="xs" c="dimmed" mt={4}>Every change below needs it.</Text>
          </Paper>

          <Paper withBorder p="md" radius="md">
            <Stack>
              <Group justify="space-between">
                <Title order={2} size="h4">Authenticator app</Title>
                <Badge color={factors.otp_enabled ? 'teal' : 'gray'}>{factors.otp_enabled ? 'On' : 'Off'}</Badge>
              </Group>
              <Text size="sm">An app on your phone (Google Authenticator, 1Password, Aegis...) gives a new 6-digit code every 30 seconds, asked after your password.</Text>
              {codes && <RecoveryCodes codes={codes} />}
              {!seed && (
                <Group>
                  <Button onClick={() => void start.run()} loading={start.busy} disabled={!password}>
                    {factors.otp_enabled ? 'Move to a new app' : 'Set up an authenticator app'}
                  </Button>
                  {factors.otp_enabled && (
                    <>
                      <Button variant="default" onClick={() => void regenerate.run()} loading={regenerate.busy} disabled={!password}>Make new recovery codes</Button>
                      <Button color="red" variant="light" onClick={() => void turnOff.run()} loading={turnOff.busy} disabled={!password}>Turn off the authenticator app</Button>
                    </>
                  )}
                </Group>
              )}
              {factors.otp_enabled && !codes && (
                <Text size="sm" c="dimmed">{factors.recovery_codes_left} recovery code{factors.recovery_codes_left === 1 ? '' : 's'} left.</Text>
              )}
              <FormError error={start.error} fields={['password']} />
              <FormError error={turnOff.error} fields={['password']} />
              <FormError error={regenerate.error} fields={['password']} />
              {seed && (
                <form onSubmit={(event) => { event.preventDefault(); void confirm.run(); }}>
                  <Stack>
                    <List type="ordered" size="sm" spacing={4}>
                      <List.Item>Scan this QR code with your authenticator app.</List.Item>
                      <List.Item>Or type this key in it by hand.</List.Item>
                      <List.Item>Enter the 6-digit code the app shows now.</List.Item>
                    </List>
                    <QrCode uri={seed.provisioning_uri} />
                    <CopyField value={seed.priv_key} label="Secret key" />
                    <TextInput label="Code from the app" inputMode="numeric" autoComplete="one-time-code" maxLength={6} required
                      value={code} onChange={(e) => setCode(e.currentTarget.value)} error={confirm.fieldError('code')} />
                    <FormError error={confirm.error} fields={['code', 'password']} />
                    <Group>
                      <Button type="submit" loading={confirm.busy}>Turn on the authenticator app</Button>
                      <Button variant="subtle" onClick={() => setSeed(null)}>Cancel</Button>
                    </Group>
                  </Stack>
                </form>
              )}
            </Stack>
          </Paper>

          <Paper withBorder p="md" radius="md">
            <Stack>
              <Title order={2} size="h4">Codes at login</Title>
              <Text size="sm">Ask for a one-time code sent to you after your password.</Text>
              <Switch label="A code by e-mail" checked={factors.email_verification_enabled} disabled={!password || toggle.busy}
                onChange={(e) => void toggle.run('email_verification_enabled', e.currentTarget.checked)}
                error={toggle.fieldError('email_verification_enabled')} />
              <Switch label="A code by SMS to my phone number" checked={factors.phone_verification_enabled} disabled={!password || toggle.busy}
                onChange={(e) => void toggle.run('phone_verification_enabled', e.currentTarget.checked)}
                error={toggle.fieldError('phone_verification_enabled')} />
              {!password && <Text size="xs" c="dimmed">Type your password above to change these.</Text>}
              <FormError error={toggle.error} fields={['password', 'email_verification_enabled', 'phone_verification_enabled']} />
            </Stack>
          </Paper>
        </Stack>
      )}</LoadState>
    </>
  );
}
