// Small pieces the dashboard screens share: a labelled figure card, signed P&L text, and
// percentages from ratios (numbers from the API, null when they cannot be computed).
import { Card, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import secondary from '../../components/secondary-text.module.css';
import pnl from './pnl.module.css';
import { parseDecimal } from '../../lib/decimal-string.ts';
import { formatPercent, formatSignedMoney } from '../../lib/format.ts';

export const NOT_AVAILABLE = '—';

/** A ratio (0.05) as "5.00%"; signed: "+5.00%" / "−5.00%"; null or non-finite: "—". */
export function percentText(ratio: number | null | undefined, signed = false, decimals = 2): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return NOT_AVAILABLE;
  return formatPercent(String(ratio), { signed, decimals });
}

export function numberText(value: number | null | undefined, decimals = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NOT_AVAILABLE;
  return value.toFixed(decimals).replace('-', '\u2212');
}

/** -1, 0 or 1 for a decimal string or a number. */
export function signOf(value: string | number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return Math.sign(value);
  const units = parseDecimal(value).units;
  return units > 0n ? 1 : units < 0n ? -1 : 0;
}

/** Gain or loss text; the sign is always written, colour only repeats it. */
export function Signed({ value, children, ...rest }: { value: string | number | null | undefined; children: ReactNode } & Record<string, unknown>) {
  const sign = signOf(value);
  return (
    <Text component="span" inherit className={sign > 0 ? pnl.gain : sign < 0 ? pnl.loss : undefined} {...rest}>
      {children}
    </Text>
  );
}

export function SignedMoney({ value }: { value: string | null | undefined }) {
  if (value === null || value === undefined) return <>{NOT_AVAILABLE}</>;
  return <Signed value={value}>{formatSignedMoney(value)}</Signed>;
}

export function SignedPercent({ value }: { value: number | null | undefined }) {
  return <Signed value={value}>{percentText(value, true)}</Signed>;
}

export function Figure({ label, children, sub, testId }: { label: string; children: ReactNode; sub?: ReactNode; testId?: string }) {
  return (
    <Card withBorder padding="md" component="section" aria-label={label}>
      <Text size="sm" className={secondary.secondary}>
        {label}
      </Text>
      <Text component="div" size="xl" fw={700} data-testid={testId}>
        {children}
      </Text>
      {sub !== undefined && (
        <Text component="div" size="sm" className={secondary.secondary}>
          {sub}
        </Text>
      )}
    </Card>
  );
}
