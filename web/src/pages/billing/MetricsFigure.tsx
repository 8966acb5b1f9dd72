// One metrics table drawn as a chart, with the same figures as a table: the chart is for the
// eye (hidden from screen readers); the table is always there for screen readers, and shown
// on request to the eye (it scrolls sideways on a narrow screen).
import { useId, useState } from 'react';
import { AreaChart, BarChart, LineChart } from '@mantine/charts';
import { Button, Card, Group, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { chartData, formatValue, isMoney, type MetricsRow, type MetricsTable } from './metrics';

const COLORS = ['indigo.6', 'teal.6', 'red.6', 'orange.6', 'grape.6', 'cyan.6', 'lime.7', 'pink.6', 'yellow.7', 'blue.4'];

export type ChartKind = 'bar' | 'line' | 'area';

export function MetricsFigure({ table, rows = table.table, title = table.title, kind, timezone, description, format }: {
  table: MetricsTable;
  rows?: MetricsRow[];
  title?: string;
  kind: ChartKind;
  /** The timezone the months were cut in, to name them. */
  timezone: string;
  description?: string;
  /** How to write the values: by default money when the table has a currency, else counts. */
  format?: 'money' | 'count' | 'percent';
}) {
  const id = useId();
  const [shown, setShown] = useState(false);
  const money = (format === undefined || format === 'money') && isMoney(table);
  const scale = money ? table.scale ?? 1 : 1;
  const { points, series } = chartData(rows, timezone, scale);
  const colored = series.map((s, n) => ({ ...s, color: COLORS[n % COLORS.length]! }));
  // The chart's values are already scaled: format them as money of scale 1.
  const write = (value: number) => format === 'percent'
    ? `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(value)} %`
    : formatValue(value, money ? { unit: table.unit, scale: 1 } : {});
  const common = {
    h: 240,
    data: points,
    dataKey: 'period',
    series: colored,
    valueFormatter: write,
    withLegend: series.length > 1,
    tickLine: 'y' as const,
    yAxisProps: { allowDecimals: money || format === 'percent', width: money ? 80 : 48 },
  };
  const figures = (
    <Table.ScrollContainer minWidth={160 + 120 * series.length} mt="sm">
      <Table striped withTableBorder fz="sm" aria-label={`${title}, per month`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Period</Table.Th>
            {series.map((s) => <Table.Th key={s.name} scope="col" ta="right">{s.label}</Table.Th>)}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {points.map((point) => (
            <Table.Tr key={String(point.end)}>
              <Table.Th scope="row" fw={400} style={{ whiteSpace: 'nowrap' }}>{point.period}</Table.Th>
              {series.map((s) => <Table.Td key={s.name} ta="right" style={{ whiteSpace: 'nowrap' }}>{write(Number(point[s.name]))}</Table.Td>)}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
  return (
    <Card withBorder component="figure" m={0} aria-labelledby={`${id}-title`}>
      <Group justify="space-between" wrap="wrap" gap="xs" align="flex-start" mb={4}>
        <Title order={3} size="h5" id={`${id}-title`}>{title}</Title>
        {rows.length > 0 && (
          <Button size="compact-xs" variant="subtle" onClick={() => setShown((v) => !v)} aria-pressed={shown}>
            {shown ? 'Hide the figures' : 'Show the figures'}
          </Button>
        )}
      </Group>
      {description && <Text size="sm" c="dimmed" mb="sm">{description}</Text>}
      {rows.length === 0
        ? <Text size="sm" c="dimmed">Nothing to show yet.</Text>
        : (
          <>
            <div aria-hidden="true">
              {kind === 'bar' && <BarChart {...common} />}
              {kind === 'line' && <LineChart {...common} curveType="linear" />}
              {kind === 'area' && <AreaChart {...common} curveType="linear" />}
            </div>
            {shown ? figures : <VisuallyHidden>{figures}</VisuallyHidden>}
          </>
        )}
    </Card>
  );
}
