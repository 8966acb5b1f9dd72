// The broker's balance sheets (/api/metrics/balances/{report}/): a named report whose lines
// each sum the ledger's accounts a selector matches, month by month. Its managers add,
// rename, re-point, reorder and delete the lines; the figures follow.
import { useState } from 'react';
import { ActionIcon, Button, Group, Modal, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { api, type Page } from '../../lib/api';
import { FormError, useSubmit } from '../../lib/forms';
import { Loading, useLoad } from './load';
import { MetricsFigure } from './MetricsFigure';
import { useWindow, WindowControls } from './ProviderMetrics';
import { windowQuery, type BalanceLine, type MetricsTable } from './metrics';

export const DEFAULT_REPORT = 'balance-sheet';

function linesPath(report: string): string {
  return `/metrics/balances/${encodeURIComponent(report)}/lines/`;
}

function LineForm({ initial, submitLabel, onSubmit, busy, fieldError }: {
  initial: { title: string; selector: string };
  submitLabel: string;
  onSubmit(value: { title: string; selector: string }): void;
  busy: boolean;
  fieldError(name: string): string | undefined;
}) {
  const [title, setTitle] = useState(initial.title);
  const [selector, setSelector] = useState(initial.selector);
  return (
    <form onSubmit={(event) => { event.preventDefault(); onSubmit({ title: title.trim(), selector: selector.trim() }); }}>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput label="Line title" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={fieldError('title')} maxLength={255} style={{ flex: '1 1 200px' }} />
        <TextInput label="Accounts (selector)" description="Which ledger accounts the line sums, e.g. Receivable" value={selector}
          onChange={(e) => setSelector(e.currentTarget.value)} error={fieldError('selector')} maxLength={255} style={{ flex: '1 1 200px' }} />
        <Button type="submit" loading={busy}>{submitLabel}</Button>
      </Group>
    </form>
  );
}

function Lines({ report, onChanged }: { report: string; onChanged(): void }) {
  const lines = useLoad<Page<BalanceLine>>(`${linesPath(report)}?page_size=100`);
  const [editing, setEditing] = useState<BalanceLine | null>(null);
  const [round, setRound] = useState(0);
  const changed = () => { lines.reload(); onChanged(); };
  const add = useSubmit(async (value: { title: string; selector: string }) => {
    const rows = lines.data?.results ?? [];
    const rank = rows.reduce((top, row) => Math.max(top, row.rank), 0) + 1;
    await api('POST', linesPath(report), { ...value, rank });
    setRound((n) => n + 1);
    changed();
  }, { success: 'The line is added.' });
  const save = useSubmit(async (line: BalanceLine, value: { title: string; selector: string }) => {
    await api('PUT', `${linesPath(report)}${line.rank}/`, { ...value, rank: line.rank });
    setEditing(null);
    changed();
  }, { success: 'The line is saved.' });
  const act = useSubmit(async (what: () => Promise<unknown>) => {
    await what();
    changed();
  });
  const move = (line: BalanceLine, to: BalanceLine) => act.run(() => api('PATCH', linesPath(report), [{ oldpos: line.rank, newpos: to.rank }]));
  const remove = (line: BalanceLine) => {
    if (window.confirm(`Delete the line ${line.title}?`)) void act.run(() => api('DELETE', `${linesPath(report)}${line.rank}/`));
  };
  return (
    <Stack gap="sm">
      <Loading loaded={lines} label="the lines">
        {(page) => {
          const rows = [...page.results].sort((a, b) => a.rank - b.rank);
          return rows.length === 0
            ? <Text size="sm" c="dimmed">No line yet: add the first one below.</Text>
            : (
              <Table.ScrollContainer minWidth={340}>
                <Table aria-label={`Lines of ${report}`}>
                  <Table.Thead>
                    <Table.Tr><Table.Th scope="col">Position</Table.Th><Table.Th scope="col">Title</Table.Th><Table.Th scope="col">Accounts</Table.Th><Table.Th scope="col"><VisuallyHidden>Actions</VisuallyHidden></Table.Th></Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((line, n) => (
                      <Table.Tr key={line.rank}>
                        <Table.Td>{n + 1}</Table.Td>
                        <Table.Td>{line.title}</Table.Td>
                        <Table.Td style={{ overflowWrap: 'anywhere' }}>{line.selector || '—'}</Table.Td>
                        <Table.Td>
                          <Group gap={4} wrap="wrap" justify="flex-end">
                            <ActionIcon variant="default" aria-label={`Move ${line.title} up`} disabled={n === 0 || act.busy} onClick={() => move(line, rows[n - 1]!)}>↑</ActionIcon>
                            <ActionIcon variant="default" aria-label={`Move ${line.title} down`} disabled={n === rows.length - 1 || act.busy} onClick={() => move(line, rows[n + 1]!)}>↓</ActionIcon>
                            <Button size="xs" variant="default" aria-label={`Edit ${line.title}`} onClick={() => { save.reset(); setEditing(line); }}>Edit</Button>
                            <Button size="xs" color="red" variant="light" aria-label={`Delete ${line.title}`} onClick={() => remove(line)}>Delete</Button>
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            );
        }}
      </Loading>
      <FormError error={act.error} />
      <Title order={3} size="h5">Add a line</Title>
      <LineForm key={round} initial={{ title: '', selector: '' }} submitLabel="Add the line" busy={add.busy} fieldError={add.fieldError} onSubmit={(value) => void add.run(value)} />
      <FormError error={add.error} fields={['title', 'selector']} />
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing ? `Edit ${editing.title}` : ''}>
        {editing && (
          <Stack>
            <LineForm initial={editing} submitLabel="Save the line" busy={save.busy} fieldError={save.fieldError} onSubmit={(value) => void save.run(editing, value)} />
            <FormError error={save.error} fields={['title', 'selector']} />
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

export function BalanceSheet({ defaultZone }: { defaultZone: string }) {
  const [params, setParams] = useSearchParams();
  const report = params.get('report') || DEFAULT_REPORT;
  const [typed, setTyped] = useState(report);
  const [months, setMonths] = useWindow();
  const zone = months.timezone || defaultZone;
  const sheet = useLoad<MetricsTable>(`/metrics/balances/${encodeURIComponent(report)}/${windowQuery(months, zone)}`);
  return (
    <Stack gap="lg">
      <form onSubmit={(event) => {
        event.preventDefault();
        const name = typed.trim();
        setParams((old) => { const next = new URLSearchParams(old); if (name && name !== DEFAULT_REPORT) next.set('report', name); else next.delete('report'); return next; }, { replace: true });
      }}>
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput label="Report" description="Each report is a sheet of its own (balance-sheet, taxes...)" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} w={260} />
          <Button type="submit" variant="default">Open the report</Button>
        </Group>
      </form>
      <section aria-labelledby="sheet-heading">
        <Title order={2} size="h4" id="sheet-heading" mb="sm">Figures of {report}</Title>
        <Stack gap="sm">
          <WindowControls window={months} onChange={setMonths} defaultZone={defaultZone} />
          <Loading loaded={sheet} label="the balance sheet">
            {(table) => <MetricsFigure table={table} kind="line" timezone={zone} description="Each line's balance at each month's end." />}
          </Loading>
        </Stack>
      </section>
      <section aria-labelledby="lines-heading">
        <Title order={2} size="h4" id="lines-heading" mb="sm">Lines of the report</Title>
        <Lines key={report} report={report} onChanged={sheet.reload} />
      </section>
    </Stack>
  );
}
