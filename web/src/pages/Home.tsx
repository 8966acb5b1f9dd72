// '/': a logged-in person goes to their account; a visitor is offered to log in or sign up.
import { Button, Container, Group, Stack, Text, Title } from '@mantine/core';
import { Link, Navigate } from 'react-router';
import { useSession } from '../lib/session';
import { PageTitle } from '../components/PageTitle';

export function Home() {
  const { session } = useSession();
  if (session.user) return <Navigate to="/me" replace />;
  return (
    <Container size="sm" py="xl">
      <PageTitle>{`Welcome to ${session.broker.full_name}`}</PageTitle>
      <Stack>
        <Text>Log in to manage your account, your organizations and your subscriptions, or create an account to start.</Text>
        <Group>
          <Button component={Link} to="/login">Log in</Button>
          <Button component={Link} to="/register" variant="default">Sign up</Button>
        </Group>
        <Title order={2} size="h4" mt="lg">Developers</Title>
        <Text size="sm">The same service has a JSON API: its reference is at <a href="/docs">/docs</a>.</Text>
      </Stack>
    </Container>
  );
}
