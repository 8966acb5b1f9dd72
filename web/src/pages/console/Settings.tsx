// /console/settings: what the API lets the broker set about the site itself: the broker's
// profile, whose name and logo head every page (PATCH /api/profile/{broker}/).
import { useEffect, useState, type FormEvent } from 'react';
import { Anchor, Button, Card, Group, Image, Stack, Text, TextInput, Title } from '@mantine/core';
import { Link } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { useSession } from '../../lib/session';
import { Loaded, useResource, type OrganizationDetail } from '../orgs/common';

export function Settings() {
  const { session, refresh } = useSession();
  const slug = session.broker.slug;
  const path = `/profile/${encodeURIComponent(slug)}/`;
  const broker = useResource<OrganizationDetail>(path);
  const [name, setName] = useState('');
  const [picture, setPicture] = useState('');
  const [email, setEmail] = useState('');
  useEffect(() => {
    if (!broker.data) return;
    setName(broker.data.full_name);
    setPicture(broker.data.picture ?? '');
    setEmail(broker.data.email ?? '');
  }, [broker.data]);
  const save = useSubmit(async () => {
    await api('PATCH', path, { full_name: name.trim(), picture: picture.trim() || null, email: email.trim() || null });
    broker.reload();
    await refresh();
  }, { success: 'Site settings saved.' });
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void save.run(); };
  return (
    <Stack maw={720}>
      <PageTitle>Site settings</PageTitle>
      <Card withBorder component="section" aria-labelledby="brand-heading">
        <Title order={2} size="h4" id="brand-heading" mb="xs">Name and logo</Title>
        <Text size="sm" c="dimmed" mb="sm">Shown at the top of every page and in the mails. They are the profile of the site's own organization, {slug}.</Text>
        <Loaded resource={broker} what="the site's profile">
          {() => (
            <form onSubmit={onSubmit}>
              <Stack gap="sm">
                <FormError error={save.error} fields={['full_name', 'picture', 'email']} />
                <TextInput label="Site name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={save.fieldError('full_name')} />
                <TextInput label="Logo (address of an image)" placeholder="https://…/logo.png" value={picture} onChange={(e) => setPicture(e.currentTarget.value)} error={save.fieldError('picture')} />
                {picture.trim() && <Image src={picture.trim()} alt="The logo as it will show" h={40} w="auto" fit="contain" />}
                <TextInput label="Contact e-mail" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={save.fieldError('email')} />
                <Group><Button type="submit" loading={save.busy}>Save settings</Button></Group>
              </Stack>
            </form>
          )}
        </Loaded>
        <Text size="sm" mt="sm">Its address, members and history are on <Anchor component={Link} to={`/orgs/${encodeURIComponent(slug)}`}>its organization page</Anchor>.</Text>
      </Card>
    </Stack>
  );
}
