// /me/notifications: which e-mail notifications the user receives, among those the API
// offers (GET /api/users/notifications/options/). Security notices always go out.
import { useEffect, useState } from 'react';
import { Button, Checkbox, Group, Paper, Stack, Text } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { LoadState, useLoad } from './common';
import type { Option } from './types';

interface Loaded { options: Option[]; chosen: string[]; }

function NotificationsForm({ loaded, slug }: { loaded: Loaded; slug: string }) {
  const [chosen, setChosen] = useState<string[]>(loaded.chosen);
  useEffect(() => setChosen(loaded.chosen), [loaded]);
  const save = useSubmit(async () => {
    const answer = await api<{ notifications: string[] }>('PUT', `/users/${slug}/notifications/`, { notifications: chosen });
    setChosen(answer.notifications);
  }, { success: 'Your notification choices are saved.' });
  return (
    <form onSubmit={(event) => { event.preventDefault(); void save.run(); }}>
      <Stack>
        <Checkbox.Group label="Mail me when" value={chosen} onChange={setChosen} error={save.fieldError('notifications')}>
          <Stack gap="xs" mt="xs">
            {loaded.options.map((option) => <Checkbox key={option.value} value={option.value} label={option.label} />)}
          </Stack>
        </Checkbox.Group>
        <Group gap="xs">
          <Button variant="subtle" size="xs" onClick={() => setChosen(loaded.options.map((o) => o.value))}>Choose all</Button>
          <Button variant="subtle" size="xs" onClick={() => setChosen([])}>Choose none</Button>
        </Group>
        <FormError error={save.error} fields={['notifications']} />
        <Group><Button type="submit" loading={save.busy}>Save the choices</Button></Group>
      </Stack>
    </form>
  );
}

export function NotificationsPage() {
  const user = useUser();
  const slug = encodeURIComponent(user.username);
  const state = useLoad(async (): Promise<Loaded> => {
    const [options, mine] = await Promise.all([
      api<Option[]>('GET', '/users/notifications/options/'),
      api<{ notifications: string[] }>('GET', `/users/${slug}/notifications/`),
    ]);
    return { options, chosen: mine.notifications };
  }, user.username);
  return (
    <>
      <PageTitle>Notifications</PageTitle>
      <Paper withBorder p="md" radius="md" maw={620}>
        <Text size="sm" mb="md">Security notices (a password or API key changed, a new login code) are always sent.</Text>
        <LoadState state={state}>{(loaded) => <NotificationsForm loaded={loaded} slug={slug} />}</LoadState>
      </Paper>
    </>
  );
}
