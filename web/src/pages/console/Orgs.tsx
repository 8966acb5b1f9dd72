// /console/orgs: every organization of the site, searched and paged, each linking to its page.
import { Anchor, Badge, Stack, Table, Text } from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { query } from '../../lib/api';
import { Loaded, PAGE_SIZE, Pager, SearchBox, StatusBadge, useResource, when, type OrganizationProfile, type Page } from '../orgs/common';

export function Orgs() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const orgs = useResource<Page<OrganizationProfile>>(`/profile/${query({ q, page: page > 1 ? page : undefined, page_size: PAGE_SIZE })}`);
  const go = (next: { q: string; page: number }) => {
    const search = new URLSearchParams();
    if (next.q) search.set('q', next.q);
    if (next.page > 1) search.set('page', String(next.page));
    setParams(search);
  };
  return (
    <Stack>
      <PageTitle>All organizations</PageTitle>
      <SearchBox label="Search organizations" value={q} onSearch={(text) => go({ q: text, page: 1 })} />
      <Loaded resource={orgs} what="the organizations">
        {(data) => data.results.length === 0 ? <Text c="dimmed">{q ? `No organization matches “${q}”.` : 'No organization yet.'}</Text> : (
          <>
            <Table.ScrollContainer minWidth={520}>
              <Table striped highlightOnHover>
                <Table.Thead><Table.Tr><Table.Th>Organization</Table.Th><Table.Th>Partner</Table.Th><Table.Th>Created</Table.Th><Table.Th>Status</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {data.results.map((o) => (
                    <Table.Tr key={o.slug}>
                      <Table.Td>
                        <Anchor component={Link} to={`/orgs/${encodeURIComponent(o.slug)}`}>{o.printable_name}</Anchor>
                        <Text size="xs" c="dimmed">{o.slug} {o.type === 'personal' && <Badge size="xs" variant="light" color="gray">personal</Badge>}{o.is_provider && <Badge size="xs" variant="light">provider</Badge>}</Text>
                      </Table.Td>
                      <Table.Td>{o.partner ? <Anchor component={Link} to={`/orgs/${encodeURIComponent(o.partner)}`} size="sm">{o.partner}</Anchor> : '—'}</Table.Td>
                      <Table.Td><Text size="sm">{when(o.created_at)}</Text></Table.Td>
                      <Table.Td><StatusBadge status={o.status} /></Table.Td>
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
