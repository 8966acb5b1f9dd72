// /orgs/:org/stacks: an organization's stacks with their live status (the list asks again
// while one is being deployed), and a form to create one.
import { useState, type FormEvent } from 'react';
import { Anchor, Button, Card, Container, Group, Pagination, Table, Text, TextInput, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { listOf, organizationBySlug, pending, usePolled, type GetChatList, type GetChatOrganization, type Stack } from './getchat';
import { PageState, StatusBadge, when } from './parts';

interface StacksPage { organization: GetChatOrganization; stacks: GetChatList<Stack> }

export function Stacks() {
  const { org = '' } = useParams();
  const [page, setPage] = useState(1);
  const loaded = usePolled<StacksPage>(async () => {
    const organization = await organizationBySlug(org);
    return { organization, stacks: await listOf<Stack>(`/integration/organizations/${organization.id}/stacks`, { page, sort: '-id' }) };
  }, (data) => data.stacks.data.some(pending), [org, page]);
  const [name, setName] = useState('');
  const [subdomain, setSubdomain] = useState('');
  const create = useSubmit(async (organizationId: number) => {
    await api('POST', `/integration/organizations/${organizationId}/stacks`, {
      ...(name.trim() ? { name: name.trim() } : {}), ...(subdomain.trim() ? { subdomain: subdomain.trim() } : {}),
    });
    setName('');
    setSubdomain('');
    setPage(1);
    await loaded.reload();
  }, { success: 'The stack is being deployed.' });

  if (!loaded.data) return <PageState title="Stacks" loading={loaded.loading} error={loaded.error} />;
  const { organization, stacks } = loaded.data;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run(organization.id);
  };
  return (
    <Container size="lg" py="md">
      <PageTitle actions={<Anchor component={Link} to={`/orgs/${org}/applications`}>Applications</Anchor>}>
        {`Stacks of ${organization.name}`}
      </PageTitle>
      <Text c="dimmed" mb="md">
        A stack groups the applications deployed together. {organization.stack_quota !== null ? `This organization may have ${organization.stack_quota} stacks.` : ''}
      </Text>
      {stacks.data.length === 0 ? (
        <Text mb="md">No stacks yet: create the first one below.</Text>
      ) : (
        <Table.ScrollContainer minWidth={520} mb="md">
          <Table striped>
            <Table.Thead>
              <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Subdomain</Table.Th><Table.Th>Status</Table.Th><Table.Th>Created</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {stacks.data.map((stack) => (
                <Table.Tr key={stack.id}>
                  <Table.Td><Anchor component={Link} to={`/orgs/${org}/stacks/${stack.id}`}>{stack.name}</Anchor></Table.Td>
                  <Table.Td>{stack.subdomain}</Table.Td>
                  <Table.Td><StatusBadge status={stack.user_status} locked={stack.is_locked} deployed={stack.is_deployed} /></Table.Td>
                  <Table.Td>{when(stack.created_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {stacks.pagination.pages > 1 && (
        <Pagination total={stacks.pagination.pages} value={page} onChange={setPage} mb="md" aria-label="Pages of stacks" />
      )}
      <Card withBorder maw={560}>
        <Title order={2} size="h4" mb="sm">Create a stack</Title>
        <form onSubmit={submit} noValidate>
          <TextInput label="Name" description="Optional: a name is generated when you leave it empty." value={name}
            onChange={(e) => setName(e.currentTarget.value)} error={create.fieldError('name')} mb="sm" />
          <TextInput label="Subdomain" description="Optional: lower-case letters, digits and dashes; made from the name otherwise."
            value={subdomain} onChange={(e) => setSubdomain(e.currentTarget.value)} error={create.fieldError('subdomain')} mb="sm" />
          <FormError error={create.error} fields={['name', 'subdomain']} />
          <Group mt="md"><Button type="submit" loading={create.busy}>Create stack</Button></Group>
        </form>
      </Card>
    </Container>
  );
}
