// Role descriptions: the global manager and contributor, and the organization's own roles,
// which its managers create and delete (only while nobody holds, is invited to or asks for one).
import { useState, type FormEvent } from 'react';
import { Badge, Button, Card, Checkbox, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { api, query } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { ConfirmButton, Loaded, PAGE_SIZE, Pager, useResource, type Page, type RoleDescriptionWithRoles } from './common';
import { useOrg } from './OrgLayout';

export function RolesTab() {
  const { org, can } = useOrg();
  const [page, setPage] = useState(1);
  const base = `/profile/${encodeURIComponent(org.slug)}/roles/describe/`;
  const roles = useResource<Page<RoleDescriptionWithRoles>>(`${base}${query({ page: page > 1 ? page : undefined, page_size: PAGE_SIZE })}`);
  const manage = can.manage && org.status !== 'closed';
  const remove = useSubmit(async (slug: string) => { await api('DELETE', `${base}${encodeURIComponent(slug)}/`, {}); roles.reload(); }, { success: 'Role deleted.' });

  return (
    <Stack>
      <Card withBorder component="section" aria-labelledby="roles-heading">
        <Title order={2} size="h4" id="roles-heading" mb="sm">Roles</Title>
        <Text size="sm" c="dimmed" mb="sm">Manager and contributor exist on every organization; the organization may add its own.</Text>
        <FormError error={remove.error} title="The role was not deleted" />
        {remove.error?.code === 'role_description.in_use'
          ? <Text size="sm" c="red" mb="sm">A role can only be deleted once nobody holds it, is invited to it or asks for it: remove those first, on the Members tab.</Text>
          : null}
        <Loaded resource={roles} what="the roles">
          {(data) => (
            <>
              <Table.ScrollContainer minWidth={420}>
                <Table>
                  <Table.Thead><Table.Tr><Table.Th>Role</Table.Th><Table.Th>Holders</Table.Th><Table.Th>Options</Table.Th><Table.Th /></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {data.results.map((r) => (
                      <Table.Tr key={r.slug}>
                        <Table.Td><Text>{r.title}</Text><Text size="xs" c="dimmed">{r.slug}</Text></Table.Td>
                        <Table.Td>{r.roles.filter((h) => h.state === 'accepted').length}</Table.Td>
                        <Table.Td>
                          <Group gap={4}>
                            {r.is_global && <Badge variant="light" color="gray">built in</Badge>}
                            {r.skip_optin_on_grant && <Badge variant="light">granted at once</Badge>}
                            {r.implicit_create_on_none && <Badge variant="light">given to the domain's users</Badge>}
                          </Group>
                        </Table.Td>
                        <Table.Td ta="right">
                          {manage && !r.is_global && (
                            <ConfirmButton label={`Delete ${r.title}`} title={`Delete the role ${r.title}?`} confirm="Delete role" busy={remove.busy} action={() => remove.run(r.slug)}>
                              <Text size="sm">Only a role nobody holds, is invited to or asks for can be deleted.</Text>
                            </ConfirmButton>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Pager page={page} pageSize={PAGE_SIZE} count={data.count} onPage={setPage} />
            </>
          )}
        </Loaded>
      </Card>
      {manage && <CreateRole broker={can.broker} onCreated={roles.reload} />}
    </Stack>
  );
}

function CreateRole({ broker, onCreated }: { broker: boolean; onCreated: () => void }) {
  const { org } = useOrg();
  const [title, setTitle] = useState('');
  const [skip, setSkip] = useState(false);
  const [implicit, setImplicit] = useState(false);
  const submit = useSubmit(async () => {
    await api('POST', `/profile/${encodeURIComponent(org.slug)}/roles/describe/`, {
      title: title.trim(), implicit_create_on_none: implicit, ...(broker ? { skip_optin_on_grant: skip } : {}),
    });
    setTitle(''); setSkip(false); setImplicit(false);
    onCreated();
  }, { success: 'Role created.' });
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void submit.run(); };
  return (
    <Card withBorder component="section" aria-labelledby="create-role-heading">
      <Title order={2} size="h4" id="create-role-heading" mb="sm">Add a role</Title>
      <form onSubmit={onSubmit}>
        <Stack gap="sm">
          <FormError error={submit.error} fields={['title']} />
          <TextInput label="Title" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={submit.fieldError('title')}
            description="Its identifier is made from the title: “Support Staff” gives support-staff." />
          <Checkbox label="Give it automatically to users of the organization's proved e-mail domains" checked={implicit} onChange={(e) => setImplicit(e.currentTarget.checked)} />
          {broker && <Checkbox label="Grant at once, without the grantee accepting an invitation" checked={skip} onChange={(e) => setSkip(e.currentTarget.checked)} />}
          <Group><Button type="submit" loading={submit.busy}>Add role</Button></Group>
        </Stack>
      </form>
    </Card>
  );
}
