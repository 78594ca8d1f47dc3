// The target allocation as a small table: one row per symbol and percentage, rows added and
// removed in place, and the exact total shown under it (more than 100 % is refused).
import { Button, Group, Table, Text, TextInput } from '@mantine/core';
import { parseDecimal } from '../../lib/decimal-string.ts';
import { targetsSum, type TargetRow } from './config-form.ts';

export interface TargetsEditorProps {
  rows: TargetRow[];
  onChange: (rows: TargetRow[]) => void;
  disabled: boolean;
  error: string | null;
  maxSymbols: number;
}

function overHundred(sum: string): boolean {
  const v = parseDecimal(sum);
  return v.units > 100n * 10n ** BigInt(v.scale);
}

export function TargetsEditor({ rows, onChange, disabled, error, maxSymbols }: TargetsEditorProps) {
  const sum = targetsSum(rows);
  const update = (i: number, patch: Partial<TargetRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div data-testid="targets-editor">
      <Table withTableBorder={false} verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Symbol</Table.Th>
            <Table.Th>Target (%)</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, i) => (
            <Table.Tr key={i}>
              <Table.Td>
                <TextInput
                  aria-label={`Symbol ${i + 1}`}
                  value={row.symbol}
                  onChange={(e) => update(i, { symbol: e.currentTarget.value.toUpperCase() })}
                  disabled={disabled}
                  maxLength={16}
                  autoCapitalize="characters"
                />
              </Table.Td>
              <Table.Td>
                <TextInput aria-label={`Target of symbol ${i + 1} in percent`} value={row.percent} inputMode="decimal" onChange={(e) => update(i, { percent: e.currentTarget.value })} disabled={disabled} maxLength={20} />
              </Table.Td>
              <Table.Td>
                {!disabled && (
                  <Button variant="subtle" color="red" size="xs" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove ${row.symbol || `row ${i + 1}`}`}>
                    Remove
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group justify="space-between" mt="xs">
        <Text size="sm" c={sum !== null && overHundred(sum) ? 'red' : undefined} data-testid="targets-sum">
          Total: {sum === null ? '–' : `${sum} %`}
        </Text>
        {!disabled && (
          <Button variant="light" size="xs" onClick={() => onChange([...rows, { symbol: '', percent: '' }])} disabled={rows.length >= maxSymbols}>
            Add symbol
          </Button>
        )}
      </Group>
      {error && (
        <Text size="sm" c="red" role="alert" mt={4}>
          {error}
        </Text>
      )}
    </div>
  );
}
