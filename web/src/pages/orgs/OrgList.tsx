// /orgs: the organizations the caller can see (theirs, and the customers below those they
// manage), searchable and paged, and a form to create one.
import { useState, type FormEvent } from 'react';
import { Anchor, Button, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { api, query } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { Loaded, PAGE_SIZE, Pager, QuotaNote, SearchBox, StatusBadge, useResource, type OrganizationProfile, type Page } from './common';

export function OrgList() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const list = useResource<Page<OrganizationProfile>>(`/profile/${query({ q, page: page > 1 ? page : undefined, page_size: PAGE_SIZE })}`);
  const go = (next: { q?: string; page?: number }) => {
    const merged = { q: next.q ?? q, page: next.page ?? 1 };
    const search = new URLSearchParams();
    if (merged.q) search.set('q', merged.q);
    if (merged.page > 1) search.set('page', String(merged.page));
    setParams(search);
  };

  return (
    <Stack maw={960}>
      <PageTitle>Organizations</PageTitle>
      <SearchBox label="Search organizations" value={q} onSearch={(text) => go({ q: text, page: 1 })} />
      <Loaded resource={list} what="the organizations">
        {(data) => data.results.length === 0
          ? <Text c="dimmed">{q ? `No organization matches “${q}”.` : 'You are not in an organization yet. Create one below, or accept an invitation from your mail.'}</Text>
          : (
            <>
              <Table.ScrollContainer minWidth={420}>
                <Table striped highlightOnHover>
                  <Table.Thead>
                    <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Identifier</Table.Th><Table.Th>Status</Table.Th></Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.results.map((org) => (
                      <Table.Tr key={org.slug}>
                        <Table.Td><Anchor component={Link} to={`/orgs/${encodeURIComponent(org.slug)}`}>{org.printable_name}</Anchor></Table.Td>
                        <Table.Td><Text size="sm" c="dimmed">{org.slug}</Text></Table.Td>
                        <Table.Td><StatusBadge status={org.status} /></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Pager page={page} pageSize={PAGE_SIZE} count={data.count} onPage={(n) => go({ page: n })} />
            </>
          )}
      </Loaded>
      <CreateOrganization />
    </Stack>
  );
}

function CreateOrganization() {
  const navigate = useNavigate();
  const [fullName, setFullName] = useState('');
  const [slug, setSlug] = useState('');
  const [email, setEmail] = useState('');
  const submit = useSubmit(async () => {
    const created = await api<OrganizationProfile>('POST', '/profile/', {
      full_name: fullName.trim(),
      ...(slug.trim() ? { slug: slug.trim() } : {}),
      ...(email.trim() ? { email: email.trim() } : {}),
    });
    navigate(`/orgs/${encodeURIComponent(created.slug)}`);
  }, { success: 'Organization created.' });
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void submit.run(); };
  return (
    <Card withBorder component="section" aria-labelledby="create-org">
      <Title order={2} size="h4" id="create-org" mb="sm">Create an organization</Title>
      <form onSubmit={onSubmit}>
        <Stack gap="sm">
          <FormError error={submit.error} fields={['full_name', 'slug', 'email']} />
          <QuotaNote error={submit.error} />
          <TextInput label="Name" required value={fullName} onChange={(e) => setFullName(e.currentTarget.value)} error={submit.fieldError('full_name')} />
          <TextInput label="Identifier (optional)" description="Shown in addresses; made from the name when left empty." value={slug}
            onChange={(e) => setSlug(e.currentTarget.value)} error={submit.fieldError('slug')} />
          <TextInput label="Contact e-mail (optional)" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={submit.fieldError('email')} />
          <Group><Button type="submit" loading={submit.busy}>Create organization</Button></Group>
        </Stack>
      </form>
    </Card>
  );
}
