// /console/users: every user account, searched and paged; each opens its administration page.
import { Anchor, Badge, Stack, Table, Text } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { query } from '../../lib/api';
import { Loaded, PAGE_SIZE, Pager, SearchBox, useResource, when, type Page, type User } from '../orgs/common';

export function Users() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const users = useResource<Page<User>>(`/users/${query({ q, page: page > 1 ? page : undefined, page_size: PAGE_SIZE })}`);
  const go = (next: { q: string; page: number }) => {
    const search = new URLSearchParams();
    if (next.q) search.set('q', next.q);
    if (next.page > 1) search.set('page', String(next.page));
    setParams(search);
  };
  return (
    <Stack>
      <PageTitle>Users</PageTitle>
      <SearchBox label="Search users (username, e-mail, name)" value={q} onSearch={(text) => go({ q: text, page: 1 })} />
      <Loaded resource={users} what="the users">
        {(data) => data.results.length === 0 ? <Text c="dimmed">{q ? `No user matches “${q}”.` : 'No user yet.'}</Text> : (
          <>
            <Table.ScrollContainer minWidth={480}>
              <Table striped highlightOnHover>
                <Table.Thead><Table.Tr><Table.Th>User</Table.Th><Table.Th>E-mail</Table.Th><Table.Th>Joined</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {data.results.map((u) => (
                    <Table.Tr key={u.slug}>
                      <Table.Td>
                        <Anchor component={Link} to={`/console/users/${encodeURIComponent(u.slug)}`}>{u.full_name || u.username}</Anchor>
                        <Text size="xs" c="dimmed">{u.username} {!u.credentials && <Badge size="xs" variant="light" color="gray">contact</Badge>}</Text>
                      </Table.Td>
                      <Table.Td><Text size="sm">{u.email ?? '—'}</Text></Table.Td>
                      <Table.Td><Text size="sm">{when(u.created_at)}</Text></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={PAGE_SIZE} count={data.count} onPage={(n) => go({ q, page: n })} />
          </>
        )}
      </Loaded>
    </Stack>
  );
}
