// The Trades filters. Edits stay local until applied; applying writes them to the URL, which
// is the one source of truth for what the table shows.
import { Button, Group, Select, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { MODE_OPTIONS, SIDE_OPTIONS, type TradeFilters } from './trade-filters.ts';

interface Props {
  filters: TradeFilters;
  onApply: (filters: TradeFilters) => void;
}

export function TradeFiltersForm({ filters, onApply }: Props) {
  const [draft, setDraft] = useState<TradeFilters>(filters);
  // Back/forward or a pasted URL changes the filters: show them.
  const key = JSON.stringify(filters);
  useEffect(() => setDraft(JSON.parse(key) as TradeFilters), [key]);
  const set = (field: keyof TradeFilters) => (value: string | null) => setDraft((d) => ({ ...d, [field]: value ?? '' }));
  const reversed = Boolean(draft.from && draft.to && draft.from > draft.to);

  return (
    <form
      role="search"
      aria-label="Filter trades"
      onSubmit={(event) => {
        event.preventDefault();
        if (!reversed) onApply(draft);
      }}
    >
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput label="Symbol" placeholder="e.g. AAPL" value={draft.symbol ?? ''} onChange={(e) => set('symbol')(e.currentTarget.value)} w={120} maxLength={32} />
        <Select label="Side" placeholder="Any" data={SIDE_OPTIONS} value={draft.side ?? null} onChange={set('side')} clearable w={150} />
        <TextInput label="Status" placeholder="e.g. filled" value={draft.status ?? ''} onChange={(e) => set('status')(e.currentTarget.value)} w={120} maxLength={32} />
        <Select label="Mode" placeholder="Any" data={MODE_OPTIONS} value={draft.mode ?? null} onChange={set('mode')} clearable w={110} />
        <TextInput type="date" label="From" value={draft.from ?? ''} onChange={(e) => set('from')(e.currentTarget.value)} w={150} />
        <TextInput type="date" label="To" value={draft.to ?? ''} onChange={(e) => set('to')(e.currentTarget.value)} w={150} error={reversed ? 'Before “From”' : undefined} />
        <Button type="submit">Apply</Button>
        <Button variant="subtle" onClick={() => onApply({})}>
          Clear
        </Button>
      </Group>
    </form>
  );
}
