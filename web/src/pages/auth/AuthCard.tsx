// The frame of the sign-in pages: one narrow card, readable on a phone and a desktop.
import type { ReactNode } from 'react';
import { Container, Paper, Stack } from '@mantine/core';
import { PageTitle } from '../../components/PageTitle';

export function AuthCard({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <Container size={460} px={0} py={{ base: 'md', sm: 'xl' }}>
      <Paper withBorder shadow="xs" radius="md" p={{ base: 'md', sm: 'xl' }}>
        <PageTitle>{title}</PageTitle>
        <Stack gap="md">{children}</Stack>
      </Paper>
      {footer && <Stack gap={4} mt="md" align="center">{footer}</Stack>}
    </Container>
  );
}
