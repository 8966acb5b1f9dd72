// /orgs/:org/stacks/:stack: one stack, its applications with their live status (asked again
// while anything is being deployed), deploying another, and deleting the stack.
import { Anchor, Button, Container, Group, Stack as Column, Table, Text } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { DeployForm } from './DeployForm';
import { listOf, pending, usePolled, type Application, type Stack } from './getchat';
import { FailureNote, PageState, StatusBadge, when } from './parts';

interface StackPage { stack: Stack; applications: Application[] }

export function StackDetail() {
  const { org = '', stack: stackId = '' } = useParams();
  const navigate = useNavigate();
  const loaded = usePolled<StackPage>(async () => {
    const stack = await api<Stack>('GET', `/integration/stacks/${encodeURIComponent(stackId)}`);
    const applications = await listOf<Application>(`/integration/stacks/${stack.id}/applications`, { limit: 100 });
    return { stack, applications: applications.data };
  }, (data) => pending(data.stack) || data.applications.some(pending), [stackId]);
  const remove = useSubmit(async () => {
    await api('DELETE', `/integration/stacks/${encodeURIComponent(stackId)}`);
    navigate(`/orgs/${org}/stacks`);
  }, { success: 'The stack is being deleted.' });

  if (!loaded.data) return <PageState title="Stack" loading={loaded.loading} error={loaded.error} />;
  const { stack, applications } = loaded.data;
  return (
    <Container size="lg" py="md">
      <PageTitle actions={<Anchor component={Link} to={`/orgs/${org}/stacks`}>All stacks</Anchor>}>{`Stack ${stack.name}`}</PageTitle>
      <Column gap="xs" mb="md">
        <Group gap="sm"><Text fw={500}>Status</Text><StatusBadge status={stack.user_status} locked={stack.is_locked} deployed={stack.is_deployed} /></Group>
        <Text>Subdomain: {stack.subdomain}</Text>
        <Text size="sm" c="dimmed">Created {when(stack.created_at)}</Text>
        <FailureNote error={stack.error} />
      </Column>
      <Text fw={500} mb="xs">Applications</Text>
      {applications.length === 0 ? (
        <Text mb="md">No application on this stack yet.</Text>
      ) : (
        <Table.ScrollContainer minWidth={520} mb="md">
          <Table striped>
            <Table.Thead><Table.Tr><Table.Th>Package</Table.Th><Table.Th>Domain</Table.Th><Table.Th>Status</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {applications.map((application) => (
                <Table.Tr key={application.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/orgs/${org}/applications/${application.id}`}>{application.package?.name ?? `Application ${application.id}`}</Anchor>
                  </Table.Td>
                  <Table.Td>{application.domain ?? 'Not yet'}</Table.Td>
                  <Table.Td><StatusBadge status={application.user_status} locked={application.is_locked} deployed={application.is_deployed} /></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {stack.user_status === 'READY' && <DeployForm stackId={stack.id} onDeployed={loaded.reload} />}
      {stack.user_status === 'REQUESTED' && <Text c="dimmed">Applications can be deployed once the stack is ready.</Text>}
      <Column mt="xl" maw={640}>
        <Text size="sm" c="dimmed">Deleting a stack destroys it; delete its applications first.</Text>
        <FormError error={remove.error} />
        <Group>
          <Button color="red" variant="light" onClick={() => { void remove.run(); }} loading={remove.busy} disabled={stack.is_locked}>Delete stack</Button>
        </Group>
      </Column>
    </Container>
  );
}
