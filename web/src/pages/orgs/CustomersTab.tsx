// A partner's customers: the organizations it created, at one level or every level below,
// and a form to create one (refused in words when the partner's customer quota is reached).
import { useState, type FormEvent } from 'react';
import { Anchor, Button, Card, Group, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Link, useNavigate } from 'react-router';
import { api, query } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { Loaded, PAGE_SIZE, Pager, QuotaNote, SearchBox, StatusBadge, useResource, when, type OrganizationProfile, type Page } from './common';
import { useOrg } from './OrgLayout';

export function CustomersTab() {
  const { org, can } = useOrg();
  const [page, setPage] = useState(1);
  const [q, setQ] = useState('');
  const [depth, setDepth] = useState<'1' | 'all'>('1');
  const path = `/profile/${encodeURIComponent(org.slug)}/customers/${query({ q, depth: depth === 'all' ? 'all' : undefined, page: page > 1 ? page : undefined, page_size: PAGE_SIZE })}`;
  const customers = useResource<Page<OrganizationProfile>>(path);
  return (
    <Stack>
      <Card withBorder component="section" aria-labelledby="customers-heading">
        <Title order={2} size="h4" id="customers-heading" mb="sm">Customers</Title>
        <Stack gap="sm">
          <Group align="end" wrap="wrap">
            <div style={{ flex: 1, minWidth: 220 }}><SearchBox label="Search customers" value={q} onSearch={(text) => { setQ(text); setPage(1); }} /></div>
            <SegmentedControl aria-label="Which customers" value={depth} onChange={(value) => { setDepth(value === 'all' ? 'all' : '1'); setPage(1); }}
              data={[{ value: '1', label: 'Direct' }, { value: 'all', label: 'Every level' }]} />
          </Group>
          <Loaded resource={customers} what="the customers">
            {(data) => data.results.length === 0
              ? <Text size="sm" c="dimmed">{q ? `No customer matches “${q}”.` : `${org.printable_name} has no customer organization yet.`}</Text>
              : (
                <>
                  <Table.ScrollContainer minWidth={420}>
                    <Table striped>
                      <Table.Thead><Table.Tr><Table.Th>Customer</Table.Th><Table.Th>Created</Table.Th><Table.Th>Status</Table.Th></Table.Tr></Table.Thead>
                      <Table.Tbody>
                        {data.results.map((c) => (
                          <Table.Tr key={c.slug}>
                            <Table.Td><Anchor component={Link} to={`/orgs/${encodeURIComponent(c.slug)}`}>{c.printable_name}</Anchor></Table.Td>
                            <Table.Td><Text size="sm">{when(c.created_at)}</Text></Table.Td>
                            <Table.Td><StatusBadge status={c.status} /></Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </Table.ScrollContainer>
                  <Pager page={page} pageSize={PAGE_SIZE} count={data.count} onPage={setPage} />
                </>
              )}
          </Loaded>
        </Stack>
      </Card>
      {can.manage && org.status === 'active' && <CreateCustomer />}
    </Stack>
  );
}

function CreateCustomer() {
  const { org } = useOrg();
  const navigate = useNavigate();
  const [fullName, setFullName] = useState('');
  const [email, setEmail] = useState('');
  const [manager, setManager] = useState('');
  const submit = useSubmit(async () => {
    const created = await api<OrganizationProfile>('POST', `/profile/${encodeURIComponent(org.slug)}/customers/`, {
      full_name: fullName.trim(),
      ...(email.trim() ? { email: email.trim() } : {}),
      ...(manager.trim() ? { manager: manager.trim() } : {}),
    });
    navigate(`/orgs/${encodeURIComponent(created.slug)}`);
  }, { success: 'Customer organization created.' });
  const onSubmit = (event: FormEvent) => { event.preventDefault(); void submit.run(); };
  return (
    <Card withBorder component="section" aria-labelledby="create-customer-heading">
      <Title order={2} size="h4" id="create-customer-heading" mb="sm">Create a customer organization</Title>
      <form onSubmit={onSubmit}>
        <Stack gap="sm">
          <FormError error={submit.error} fields={['full_name', 'email', 'manager']} title="The customer was not created" />
          <QuotaNote error={submit.error} />
          <TextInput label="Customer name" required value={fullName} onChange={(e) => setFullName(e.currentTarget.value)} error={submit.fieldError('full_name')} />
          <TextInput label="Customer e-mail (optional)" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={submit.fieldError('email')} />
          <TextInput label="Who will manage it (optional)" description="Recorded in its history; invite them from its Members tab." value={manager}
            onChange={(e) => setManager(e.currentTarget.value)} error={submit.fieldError('manager')} />
          <Group><Button type="submit" loading={submit.busy}>Create customer</Button></Group>
        </Stack>
      </form>
    </Card>
  );
}
