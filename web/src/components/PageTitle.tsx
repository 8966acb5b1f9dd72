// A page's heading, also written to the document title (what a tab and a screen reader announce).
import { useEffect, type ReactNode } from 'react';
import { Group, Title } from '@mantine/core';
import { useSession } from '../lib/session';

export function PageTitle({ children, actions }: { children: string; actions?: ReactNode }) {
  const { session } = useSession();
  useEffect(() => { document.title = `${children} · ${session.broker.full_name}`; }, [children, session.broker.full_name]);
  return (
    <Group justify="space-between" mb="md" wrap="wrap">
      <Title order={1} size="h2">{children}</Title>
      {actions}
    </Group>
  );
}
