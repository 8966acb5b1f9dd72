// /me/preferences: time zone, language, first day of the week and number, date and time
// formats, each chosen among the values GET /api/users/preferences/options/ lists.
import { useEffect, useState } from 'react';
import { Button, Group, Paper, Select, SimpleGrid, Stack } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { LoadState, useLoad } from './common';
import type { Option, PreferenceOptions, Preferences } from './types';

interface Loaded { options: PreferenceOptions; preferences: Preferences; }

const FIELDS: Array<{ name: keyof Preferences; label: string; options(o: PreferenceOptions): Option[] }> = [
  { name: 'timezone', label: 'Time zone', options: (o) => o.timezones.map((t) => ({ value: t, label: t.replaceAll('_', ' ') })) },
  { name: 'language', label: 'Language', options: (o) => o.languages },
  { name: 'first_day_of_week', label: 'First day of the week', options: (o) => o.first_days_of_week },
  { name: 'number_format', label: 'Numbers', options: (o) => o.number_formats },
  { name: 'date_format', label: 'Dates', options: (o) => o.date_formats },
  { name: 'time_format', label: 'Times', options: (o) => o.time_formats },
];

function PreferencesForm({ loaded, slug }: { loaded: Loaded; slug: string }) {
  const [values, setValues] = useState<Preferences>(loaded.preferences);
  useEffect(() => setValues(loaded.preferences), [loaded]);
  const save = useSubmit(async () => {
    setValues(await api<Preferences>('PUT', `/users/${slug}/preferences/`, values));
  }, { success: 'Your preferences are saved.' });
  return (
    <form onSubmit={(event) => { event.preventDefault(); void save.run(); }}>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {FIELDS.map((field) => (
            <Select key={field.name} label={field.label} data={field.options(loaded.options)} value={values[field.name]}
              searchable={field.name === 'timezone'} allowDeselect={false} comboboxProps={{ withinPortal: true }}
              onChange={(value) => { if (value) setValues({ ...values, [field.name]: value }); }}
              error={save.fieldError(field.name)} />
          ))}
        </SimpleGrid>
        <FormError error={save.error} fields={FIELDS.map((f) => f.name)} />
        <Group><Button type="submit" loading={save.busy}>Save the preferences</Button></Group>
      </Stack>
    </form>
  );
}

export function PreferencesPage() {
  const user = useUser();
  const slug = encodeURIComponent(user.username);
  const state = useLoad(async (): Promise<Loaded> => {
    const [options, preferences] = await Promise.all([
      api<PreferenceOptions>('GET', '/users/preferences/options/'),
      api<Preferences>('GET', `/users/${slug}/preferences/`),
    ]);
    return { options, preferences };
  }, user.username);
  return (
    <>
      <PageTitle>Preferences</PageTitle>
      <Paper withBorder p="md" radius="md" maw={720}>
        <LoadState state={state}>{(loaded) => <PreferencesForm loaded={loaded} slug={slug} />}</LoadState>
      </Paper>
    </>
  );
}
