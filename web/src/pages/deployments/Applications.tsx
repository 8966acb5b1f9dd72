// /orgs/:org/applications: every application of an organization, stack by stack, with its
// live status (asked again while one is being deployed).
import { Anchor, Container, Table, Text } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { listOf, organizationBySlug, pending, usePolled, type Application, type GetChatOrganization, type Stack } from './getchat';
import { PageState, StatusBadge, when } from './parts';

interface ApplicationsPage { organization: GetChatOrganization; rows: { stack: Stack; application: Application }[]; stacks: number }

export function Applications() {
  const { org = '' } = useParams();
  const loaded = usePolled<ApplicationsPage>(async () => {
    const organization = await organizationBySlug(org);
    const stacks = (await listOf<Stack>(`/integration/organizations/${organization.id}/stacks`, { limit: 100 })).data;
    const lists = await Promise.all(stacks.map((stack) => listOf<Application>(`/integration/stacks/${stack.id}/applications`, { limit: 100 })));
    const rows = stacks.flatMap((stack, i) => lists[i]!.data.map((application) => ({ stack, application })));
    return { organization, rows, stacks: stacks.length };
  }, (data) => data.rows.some((r) => pending(r.application)), [org]);

  if (!loaded.data) return <PageState title="Applications" loading={loaded.loading} error={loaded.error} />;
  const { organization, rows, stacks } = loaded.data;
  return (
    <Container size="lg" py="md">
      <PageTitle actions={<Anchor component={Link} to={`/orgs/${org}/stacks`}>Stacks</Anchor>}>{`Applications of ${organization.name}`}</PageTitle>
      {rows.length === 0 ? (
        <Text>
          No application yet. {stacks === 0 ? 'Create a stack first, then deploy an application on it from the stack\'s page.' : 'Deploy one from a stack\'s page.'}{' '}
          <Anchor component={Link} to={`/orgs/${org}/stacks`}>Go to the stacks</Anchor>
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table striped>
            <Table.Thead>
              <Table.Tr><Table.Th>Package</Table.Th><Table.Th>Stack</Table.Th><Table.Th>Domain</Table.Th><Table.Th>Status</Table.Th><Table.Th>Created</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map(({ stack, application }) => (
                <Table.Tr key={application.id}>
                  <Table.Td><Anchor component={Link} to={`/orgs/${org}/applications/${application.id}`}>{application.package?.name ?? `Application ${application.id}`}</Anchor></Table.Td>
                  <Table.Td><Anchor component={Link} to={`/orgs/${org}/stacks/${stack.id}`}>{stack.name}</Anchor></Table.Td>
                  <Table.Td>{application.domain ?? 'Not yet'}</Table.Td>
                  <Table.Td><StatusBadge status={application.user_status} locked={application.is_locked} deployed={application.is_deployed} /></Table.Td>
                  <Table.Td>{when(application.created_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Container>
  );
}
