// Pieces the deployment pages share: a status badge that says in words where a deployment
// stands, the organization a page belongs to, and the frame of a loading or failed page.
import type { ReactNode } from 'react';
import { Alert, Badge, Container, Loader, Text } from '@mantine/core';
import { PageTitle } from '../../components/PageTitle';
import type { ApiError } from '../../lib/api';
import type { DeploymentError, UserStatus } from './getchat';

const STATUS: Record<UserStatus, { color: string; label: string }> = {
  REQUESTED: { color: 'blue', label: 'Deploying' },
  READY: { color: 'teal', label: 'Ready' },
  FAILED: { color: 'red', label: 'Failed' },
  DELETED: { color: 'gray', label: 'Deleted' },
};

export function StatusBadge({ status, locked, deployed }: { status: UserStatus; locked: boolean; deployed: boolean }) {
  // A locked object that was deployed is being changed or destroyed, not deployed for the first time.
  const shown = status === 'REQUESTED' && deployed ? { color: 'blue', label: 'Updating' } : STATUS[status];
  return (
    <Badge color={shown.color} variant="light" leftSection={locked ? <Loader size={10} color={shown.color} /> : undefined}
      data-status={status}>
      {shown.label}
    </Badge>
  );
}

export function FailureNote({ error }: { error: DeploymentError | null }) {
  if (!error) return null;
  return (
    <Alert color={error.retrying ? 'yellow' : 'red'} title={error.retrying ? 'Trying again' : 'The deployment failed'} mt="sm">
      {error.message} {error.attempts > 1 ? `(${error.attempts} tries)` : ''}
    </Alert>
  );
}

/** The frame of a page while its data loads or when it could not be read. */
export function PageState({ title, loading, error, children }: { title: string; loading: boolean; error: ApiError | null; children?: ReactNode }) {
  return (
    <Container size="lg" py="md">
      <PageTitle>{title}</PageTitle>
      {error ? (
        <Alert color="red" role="alert" title={error.status === 404 ? 'Not found' : 'This page could not be loaded'}>{error.message}</Alert>
      ) : loading ? (
        <Loader aria-label="Loading" />
      ) : children ?? <Text>Nothing to show.</Text>}
    </Container>
  );
}

export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
