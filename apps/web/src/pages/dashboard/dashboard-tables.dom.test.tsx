// @vitest-environment happy-dom
// The tables as rendered: clicking a header sorts the positions (exactly, on decimal strings)
// and says so to screen readers; the heatmap writes each signed figure next to its colour.
import { MantineProvider } from '@mantine/core';
import type { DashboardPositions } from '@jutsu/shared';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MonthlyHeatmap } from './MonthlyHeatmap.tsx';
import { PositionsTable } from './PositionsPage.tsx';

afterEach(cleanup);

function position(symbol: string, marketValue: string, openPnl: string, weight: number | null) {
  return {
    accountHash: 'A',
    symbol,
    assetType: 'EQUITY',
    isPaper: false,
    quantity: '1',
    averagePrice: '1',
    lastPrice: marketValue,
    marketValue,
    costBasis: '1',
    dayPnl: null,
    openPnl,
    openPnlPct: null,
    weight,
    targetWeight: null,
    drift: null,
    updatedAt: new Date(0),
  };
}

const data: DashboardPositions = {
  asOf: new Date(0),
  // As text, "9.5" > "10000.25" > "-3"; by value it is the other way round.
  positions: [position('MSFT', '9.5', '-3', 0.1), position('aapl', '10000.25', '12.5', 0.6), position('BRK.B', '-3', '0.1', null)],
  totals: { marketValue: '9997.75', costBasis: '3', openPnl: '9.6', dayPnl: null },
  weightBasis: 'positions',
  weightBase: '9997.75',
  targetsConfigured: false,
  allocation: { bySymbol: [], byAssetType: [] },
};

const symbols = () => screen.getAllByTestId('position-row').map((row) => within(row).getAllByRole('cell')[0]!.textContent);

describe('PositionsTable', () => {
  it('starts with the biggest market value and sorts by a clicked header', () => {
    render(
      <MantineProvider>
        <PositionsTable data={data} />
      </MantineProvider>,
    );
    expect(symbols()).toEqual(['aapl', 'MSFT', 'BRK.B']);
    expect(screen.getByRole('button', { name: 'Sort by Market value' }).closest('th')?.getAttribute('aria-sort')).toBe('descending');

    fireEvent.click(screen.getByRole('button', { name: 'Sort by Market value' }));
    expect(symbols()).toEqual(['BRK.B', 'MSFT', 'aapl']);
    expect(screen.getByRole('button', { name: 'Sort by Market value' }).closest('th')?.getAttribute('aria-sort')).toBe('ascending');

    fireEvent.click(screen.getByRole('button', { name: 'Sort by Symbol' }));
    expect(symbols()).toEqual(['MSFT', 'BRK.B', 'aapl']);
    expect(screen.getByRole('button', { name: 'Sort by Market value' }).closest('th')?.getAttribute('aria-sort')).toBe('none');

    // A missing weight stays last either way.
    fireEvent.click(screen.getByRole('button', { name: 'Sort by Weight' }));
    expect(symbols()).toEqual(['aapl', 'MSFT', 'BRK.B']);
    fireEvent.click(screen.getByRole('button', { name: 'Sort by Weight' }));
    expect(symbols()).toEqual(['MSFT', 'aapl', 'BRK.B']);
  });

  it('writes P&L with its sign and leaves out target columns when none are configured', () => {
    render(
      <MantineProvider>
        <PositionsTable data={data} />
      </MantineProvider>,
    );
    const table = screen.getByTestId('positions-table');
    expect(table.textContent).toContain('\u2212$3.00');
    expect(table.textContent).toContain('+$12.50');
    expect(screen.queryByRole('button', { name: 'Sort by Target' })).toBeNull();
  });
});

describe('MonthlyHeatmap', () => {
  it('shows each month as signed text with its colour bucket', () => {
    render(
      <MantineProvider>
        <MonthlyHeatmap
          monthly={[
            { year: 2026, month: 1, ret: 0.061 },
            { year: 2026, month: 2, ret: -0.012 },
          ]}
        />
      </MantineProvider>,
    );
    const cells = screen.getByTestId('monthly-heatmap').querySelectorAll('td[data-bucket]');
    expect([...cells].map((c) => [c.textContent, c.getAttribute('data-bucket')])).toEqual([
      ['+6.1%', 'gain-3'],
      ['\u22121.2%', 'loss-1'],
      ['+4.8%', 'gain-2'],
    ]);
    expect(screen.getByLabelText('Mar 2026: no data')).toBeTruthy();
  });
});
