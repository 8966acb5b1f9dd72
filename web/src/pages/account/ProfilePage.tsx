// /me: who the account is: full name, nick name, username (fixed) and the picture's address.
// The API takes a picture as a URL (PATCH /api/users/{user}/ `picture`); it has no upload.
import { useEffect, useState } from 'react';
import { Avatar, Button, Group, Paper, Stack, Text, TextInput } from '@mantine/core';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useSession, useUser } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { LoadState, showablePicture, useLoad, when } from './common';
import type { UserProfile } from './types';

function ProfileForm({ profile, onSaved }: { profile: UserProfile; onSaved(profile: UserProfile): void }) {
  const { refresh } = useSession();
  const [fullName, setFullName] = useState(profile.full_name ?? '');
  const [nickName, setNickName] = useState(profile.nick_name ?? '');
  const [picture, setPicture] = useState(profile.picture ?? '');
  useEffect(() => {
    setFullName(profile.full_name ?? '');
    setNickName(profile.nick_name ?? '');
    setPicture(profile.picture ?? '');
  }, [profile]);
  const save = useSubmit(async () => {
    const saved = await api<UserProfile>('PATCH', `/users/${encodeURIComponent(profile.slug)}/`, {
      full_name: fullName.trim() || null,
      nick_name: nickName.trim() || null,
      picture: picture.trim() || null,
    });
    onSaved(saved);
    // The frame shows the name too.
    await refresh();
  }, { success: 'Your profile is saved.' });
  const shown = showablePicture(profile.picture);

  return (
    <form onSubmit={(event) => { event.preventDefault(); void save.run(); }}>
      <Stack maw={520}>
        <Group>
          <Avatar src={shown} size={64} radius="xl" alt={shown ? `Picture of ${profile.printable_name}` : undefined} color="indigo">
            {profile.printable_name.slice(0, 1).toUpperCase()}
          </Avatar>
          <div>
            <Text fw={600}>{profile.printable_name}</Text>
            <Text size="sm" c="dimmed">Member since {when(profile.created_at)}</Text>
          </div>
        </Group>
        <TextInput label="Username" value={profile.username} readOnly description="Your username cannot be changed." />
        <TextInput label="Full name" value={fullName} onChange={(e) => setFullName(e.currentTarget.value)} error={save.fieldError('full_name')} maxLength={150} autoComplete="name" />
        <TextInput label="Nick name" value={nickName} onChange={(e) => setNickName(e.currentTarget.value)} error={save.fieldError('nick_name')} maxLength={60} autoComplete="nickname"
          description="What we call you in mails." />
        <TextInput label="Picture address" value={picture} onChange={(e) => setPicture(e.currentTarget.value)} error={save.fieldError('picture')} maxLength={2048}
          type="url" description="The web address of your picture (the service takes an address; it does not store uploaded files)." />
        {profile.picture && !shown && (
          <Text size="sm" c="dimmed">Pictures from another site are not displayed on these pages, for your safety; others using the API still see the address.</Text>
        )}
        <FormError error={save.error} fields={['full_name', 'nick_name', 'picture']} />
        <Group><Button type="submit" loading={save.busy}>Save the profile</Button></Group>
      </Stack>
    </form>
  );
}

export function ProfilePage() {
  const user = useUser();
  const state = useLoad(() => api<UserProfile>('GET', `/users/${encodeURIComponent(user.username)}/`), user.username);
  return (
    <>
      <PageTitle>Profile</PageTitle>
      <Paper withBorder p="md" radius="md">
        <LoadState state={state}>{(profile) => <ProfileForm profile={profile} onSaved={state.set} />}</LoadState>
      </Paper>
    </>
  );
}
