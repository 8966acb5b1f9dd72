import { Button, Container, Text } from '@mantine/core';
import { Link } from 'react-router';
import { PageTitle } from '../components/PageTitle';

export function NotFound() {
  return (
    <Container size="sm" py="xl">
      <PageTitle>Page not found</PageTitle>
      <Text mb="md">There is no page at this address.</Text>
      <Button component={Link} to="/">Go to the home page</Button>
    </Container>
  );
}
