// /me/todos: what waits on the person (GET /api/todos/), each linking to the page that
// handles it. An invitation is accepted from its mailed link (its key is only mailed), so it
// links to "My organizations", where it is listed and can be declined.
import { Anchor, Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { api, query, type Page } from '../../lib/api';
import { PageTitle } from '../../components/PageTitle';
import { LoadState, PAGE_SIZE, Pager, useLoad, when } from './common';
import type { Todo } from './types';

const KINDS: Record<Todo['kind'], { label: string; action: string }> = {
  invitation: { label: 'Invitation', action: 'See the invitation' },
  role_request: { label: 'Join request', action: 'Answer the request' },
  subscription_grant: { label: 'Subscription offered', action: 'Answer the offer' },
  subscription_request: { label: 'Subscription request', action: 'Answer the request' },
};

/** The portal page that handles a to-do. */
export function todoPath(todo: Todo): string {
  const org = encodeURIComponent(todo.organization.slug);
  const key = encodeURIComponent(todo.key ?? '');
  switch (todo.kind) {
    case 'invitation': return `/me/orgs${query({ q: todo.organization.slug })}`;
    case 'role_request': return `/orgs/${org}/requests/${key}`;
    case 'subscription_grant': return `/orgs/${org}/subscriptions/accept/${key}`;
    case 'subscription_request': return `/orgs/${org}/subscribers/accept/${key}`;
  }
}

export function TodosPage() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const state = useLoad(() => api<Page<Todo>>('GET', `/todos/${query({ page, page_size: PAGE_SIZE })}`), String(page));
  return (
    <>
      <PageTitle>To-dos</PageTitle>
      <LoadState state={state}>{(todos) => (
        <>
          {todos.count === 0 && <Text c="dimmed">Nothing waits on you. Invitations and requests to answer will show here.</Text>}
          <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="To-dos">
            {todos.results.map((todo) => (
              <Paper key={`${todo.kind}:${todo.organization.slug}:${todo.created_at}:${todo.text}`} withBorder p="sm" radius="md" component="li">
                <Group justify="space-between" wrap="wrap" gap="xs">
                  <div>
                    <Group gap="xs">
                      <Badge variant="light">{KINDS[todo.kind].label}</Badge>
                      <Text size="xs" c="dimmed">{when(todo.created_at)}{todo.created_by ? ` · by ${todo.created_by}` : ''}</Text>
                    </Group>
                    <Text mt={4}>{todo.text}</Text>
                    {todo.kind === 'invitation' && <Text size="xs" c="dimmed">Accept it from the link in the invitation mail.</Text>}
                  </div>
                  <Anchor component={Link} to={todoPath(todo)} aria-label={`${KINDS[todo.kind].action}: ${todo.text}`}>{KINDS[todo.kind].action}</Anchor>
                </Group>
              </Paper>
            ))}
          </Stack>
          <Pager page={page} count={todos.count} pageSize={PAGE_SIZE} label="to-dos"
            onPage={(next) => setParams(next > 1 ? { page: String(next) } : {})} />
        </>
      )}</LoadState>
    </>
  );
}
