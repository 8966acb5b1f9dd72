// /orgs/:org/applications/:application: one application, its live status (asked again while
// it is being deployed), where it answers, and deleting it.
import { Anchor, Button, Container, Group, Stack as Column, Text } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { api } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { pending, usePolled, type Application } from './getchat';
import { FailureNote, PageState, StatusBadge, when } from './parts';

export function ApplicationDetail() {
  const { org = '', application: applicationId = '' } = useParams();
  const navigate = useNavigate();
  const loaded = usePolled<Application>(
    () => api<Application>('GET', `/integration/applications/${encodeURIComponent(applicationId)}`), pending, [applicationId]);
  const remove = useSubmit(async (stackId: number) => {
    await api('DELETE', `/integration/applications/${encodeURIComponent(applicationId)}`);
    navigate(`/orgs/${org}/stacks/${stackId}`);
  }, { success: 'The application is being deleted.' });

  if (!loaded.data) return <PageState title="Application" loading={loaded.loading} error={loaded.error} />;
  const application = loaded.data;
  const name = application.package?.name ?? `Application ${application.id}`;
  return (
    <Container size="lg" py="md">
      <PageTitle actions={<Anchor component={Link} to={`/orgs/${org}/applications`}>All applications</Anchor>}>{name}</PageTitle>
      <Column gap="xs" maw={640}>
        <Group gap="sm"><Text fw={500}>Status</Text><StatusBadge status={application.user_status} locked={application.is_locked} deployed={application.is_deployed} /></Group>
        <Text>Domain: {application.domain ?? 'given once deployed'}</Text>
        <Text>Stack: <Anchor component={Link} to={`/orgs/${org}/stacks/${application.stack_id}`}>{`#${application.stack_id}`}</Anchor></Text>
        <Text size="sm" c="dimmed">Created {when(application.created_at)}; changed {when(application.modified_at)}</Text>
        <FailureNote error={application.error} />
        <FormError error={remove.error} />
        <Group mt="lg">
          <Button color="red" variant="light" loading={remove.busy} disabled={application.is_locked}
            onClick={() => { void remove.run(application.stack_id); }}>Delete application</Button>
        </Group>
      </Column>
    </Container>
  );
}
