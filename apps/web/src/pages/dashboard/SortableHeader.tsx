// A column header that sorts the table when clicked; aria-sort tells screen readers the order.
import { Group, Table, UnstyledButton } from '@mantine/core';
import type { SortDirection } from './sort.ts';

interface SortableHeaderProps {
  label: string;
  active: boolean;
  direction: SortDirection;
  onSort: () => void;
  align?: 'left' | 'right';
  visibleFrom?: 'xs' | 'sm' | 'md' | 'lg';
}

export function SortableHeader({ label, active, direction, onSort, align = 'left', visibleFrom }: SortableHeaderProps) {
  const arrow = active ? (direction === 'asc' ? '▲' : '▼') : '';
  return (
    <Table.Th aria-sort={active ? (direction === 'asc' ? 'ascending' : 'descending') : 'none'} ta={align} visibleFrom={visibleFrom}>
      <UnstyledButton onClick={onSort} fw={700} fz="sm" aria-label={`Sort by ${label}`}>
        <Group gap={4} wrap="nowrap" justify={align === 'right' ? 'flex-end' : 'flex-start'}>
          <span>{label}</span>
          <span aria-hidden="true">{arrow}</span>
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}
