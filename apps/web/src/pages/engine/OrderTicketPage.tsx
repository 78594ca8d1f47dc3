// Engine → Orders: the manual order ticket and the working orders. "Preview" prices the
// ticket (estimated cost, buying power before and after, the guards' warnings); "Place" sends
// exactly the previewed ticket in the mode shown, with the ticket's idempotency key, so a
// double click or a retry places one order. Viewers see the ticket disabled and why.
import { Alert, Badge, Button, Card, Group, List, Modal, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import type { EngineMode, TradingOrderRow, TradingPreviewInput, TradingPreviewOutput } from '@jutsu/shared';
import { useState } from 'react';
import { useSignedInUser } from '../../auth/signed-in-user.ts';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { TableHead } from '../../components/TableHead.tsx';
import { StepUpCancelled, useStepUp } from '../../components/reauth/use-step-up.tsx';
import { formatMoney, formatQuantity } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { formatJobTime } from './schedule-format.ts';
import { engineErrorInWords, MODE_LABEL, refusalInWords } from './engine-words.ts';
import { buildTicket, EMPTY_TICKET, placeInput, ticketRefusal, type TicketDraft, type TicketProblems } from './order-ticket.ts';

interface Previewed {
  input: TradingPreviewInput;
  result: TradingPreviewOutput;
  /** One per previewed ticket: a retry or a second click reuses it. */
  key: string;
}

function PreviewCard({ p }: { p: TradingPreviewOutput }) {
  return (
    <Card withBorder padding="md" data-testid="order-preview">
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs">
        <Text size="sm">
          Price used: <strong>{formatMoney(p.price, 4).replace(/(\.\d\d)00$/, '$1')}</strong>
        </Text>
        <Text size="sm" data-testid="preview-cost">
          Estimated {p.side === 'BUY' ? 'cost' : 'proceeds'}: <strong>{formatMoney(p.estimatedCost)}</strong>
        </Text>
        {p.buyingPower !== null && p.buyingPowerAfter !== null && (
          <Text size="sm" data-testid="preview-buying-power">
            Buying power: {formatMoney(p.buyingPower)} → <strong>{formatMoney(p.buyingPowerAfter)}</strong>
          </Text>
        )}
      </SimpleGrid>
      {p.warnings.length > 0 && (
        <Alert color="yellow" mt="sm" title="Warnings" data-testid="preview-warnings">
          <List size="sm">
            {p.warnings.map((w) => (
              <List.Item key={w.code}>{w.message}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {p.refusal && (
        <Alert color="red" mt="sm" role="alert" title="This order would be refused" data-testid="preview-refusal">
          {refusalInWords(p.refusal)}
        </Alert>
      )}
    </Card>
  );
}

function OrdersTable({ orders, refusal, onCancel }: { orders: TradingOrderRow[]; refusal: string | null; onCancel: (o: TradingOrderRow) => void }) {
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table verticalSpacing="xs" striped data-testid="working-orders">
        <TableHead columns={['Created', 'Mode', 'Symbol', 'Side', 'Quantity', 'Type', 'Status', 'Filled']} actions />
        <Table.Tbody>
          {orders.map((o) => (
            <Table.Tr key={o.intentId} data-testid="working-order" data-status={o.status}>
              <Table.Td>{formatJobTime(o.createdAt).market}</Table.Td>
              <Table.Td>
                <Badge color={MODE_LABEL[o.mode].color} variant="outline">
                  {MODE_LABEL[o.mode].label}
                </Badge>
              </Table.Td>
              <Table.Td>{o.symbol}</Table.Td>
              <Table.Td>{o.side}</Table.Td>
              <Table.Td>{formatQuantity(o.quantity)}</Table.Td>
              <Table.Td>{o.orderType === 'LIMIT' && o.limitPrice ? `LIMIT ${formatMoney(o.limitPrice, 4)}` : o.orderType}</Table.Td>
              <Table.Td>{o.status}</Table.Td>
              <Table.Td>
                {formatQuantity(o.filledQuantity)}
                {o.averageFillPrice ? ` at ${formatMoney(o.averageFillPrice, 4)}` : ''}
              </Table.Td>
              <Table.Td>
                <Button size="xs" variant="light" color="red" disabled={refusal !== null} title={refusal ?? undefined} onClick={() => onCancel(o)}>
                  Cancel
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function OrderTicketPage() {
  const user = useSignedInUser();
  const refusal = ticketRefusal(user?.role);
  const utils = trpc.useUtils();
  const engine = trpc.engine.state.useQuery(undefined, { refetchInterval: 30_000 });
  const orders = trpc.trading.orders.useQuery(undefined, { refetchInterval: 15_000 });
  const previewMut = trpc.trading.preview.useMutation();
  const place = trpc.trading.place.useMutation();
  const cancel = trpc.trading.cancel.useMutation();
  const { withStepUp, stepUpDialog } = useStepUp();
  const [draft, setDraft] = useState<TicketDraft>(EMPTY_TICKET);
  const [problems, setProblems] = useState<TicketProblems>({});
  const [previewed, setPreviewed] = useState<Previewed | null>(null);
  const [message, setMessage] = useState<{ color: 'green' | 'red'; text: string } | null>(null);
  const [cancelling, setCancelling] = useState<TradingOrderRow | null>(null);

  const mode: EngineMode | undefined = engine.data?.mode;
  const disabled = refusal !== null;

  const edit = (patch: Partial<TicketDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    // A changed ticket is a new ticket: preview it again (and get a new key).
    setPreviewed(null);
    setProblems({});
  };

  const doPreview = async () => {
    setMessage(null);
    const built = buildTicket(draft, mode);
    if (!built.input) {
      setProblems(built.problems);
      return;
    }
    try {
      const result = await previewMut.mutateAsync(built.input);
      setPreviewed({ input: built.input, result, key: crypto.randomUUID() });
    } catch (err) {
      setPreviewed(null);
      setMessage({ color: 'red', text: engineErrorInWords(err) });
    }
  };

  const doPlace = async () => {
    if (!previewed || place.isPending) return;
    const p = previewed;
    setMessage(null);
    try {
      const row = await withStepUp(() => place.mutateAsync(placeInput(p.input, p.result.mode, p.key)), 'place this order');
      // Placed: the next ticket starts afresh.
      setPreviewed(null);
      setDraft(EMPTY_TICKET);
      setMessage({ color: 'green', text: `${MODE_LABEL[row.mode].label} order ${row.side} ${formatQuantity(row.quantity)} ${row.symbol}: ${row.status}.` });
    } catch (err) {
      if (!(err instanceof StepUpCancelled)) setMessage({ color: 'red', text: engineErrorInWords(err) });
    }
    await Promise.all([utils.trading.orders.invalidate(), utils.dashboard.trades.invalidate()]);
  };

  const doCancel = async () => {
    if (!cancelling) return;
    const o = cancelling;
    try {
      const row = await cancel.mutateAsync({ intentId: o.intentId });
      setMessage({ color: 'green', text: `Order ${o.side} ${formatQuantity(o.quantity)} ${o.symbol}: ${row.status}.` });
    } catch (err) {
      setMessage({ color: 'red', text: engineErrorInWords(err) });
    }
    setCancelling(null);
    await utils.trading.orders.invalidate();
  };

  const placeMode = previewed?.result.mode;

  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Orders</Title>
        <Text c="dimmed" size="sm">
          A manual order: preview it, then place it. Orders go in the engine&apos;s current mode.
        </Text>
      </div>
      <QueryStatus query={engine} loading="Loading the engine…" failed="Could not load the engine" />
      {mode && (
        <Alert color={MODE_LABEL[mode].color} variant="light" data-testid="ticket-mode" data-mode={mode}>
          <Group gap="sm" wrap="wrap">
            <Badge size="xl" color={MODE_LABEL[mode].color}>
              {MODE_LABEL[mode].label}
            </Badge>
            <Text size="sm">{mode === 'live' ? `Orders go to Schwab (account ${engine.data?.liveAccount ?? 'not connected'}) with real money.` : 'Orders fill on paper at the quote: no money moves.'}</Text>
          </Group>
        </Alert>
      )}
      {refusal && (
        <Alert color="gray" data-testid="ticket-refusal">
          {refusal}
        </Alert>
      )}
      {message && (
        <Alert color={message.color} role={message.color === 'red' ? 'alert' : 'status'} withCloseButton onClose={() => setMessage(null)} data-testid="ticket-message">
          {message.text}
        </Alert>
      )}
      <Card withBorder padding="lg" component="fieldset" disabled={disabled} aria-label="Order ticket" style={{ minWidth: 0 }}>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput label="Symbol" placeholder="SPY" value={draft.symbol} disabled={disabled} error={problems.symbol} onChange={(e) => edit({ symbol: e.currentTarget.value.toUpperCase() })} />
            <TextInput
              label="Quantity (shares)"
              description={mode === 'live' ? 'Whole shares for live orders.' : undefined}
              inputMode="decimal"
              value={draft.quantity}
              disabled={disabled}
              error={problems.quantity}
              onChange={(e) => edit({ quantity: e.currentTarget.value })}
            />
          </SimpleGrid>
          <Group gap="md" wrap="wrap">
            <SegmentedControl
              aria-label="Side"
              data={[
                { value: 'BUY', label: 'Buy' },
                { value: 'SELL', label: 'Sell' },
              ]}
              value={draft.side}
              disabled={disabled}
              onChange={(v) => edit({ side: v === 'SELL' ? 'SELL' : 'BUY' })}
            />
            <SegmentedControl
              aria-label="Order type"
              data={[
                { value: 'MARKET', label: 'Market' },
                { value: 'LIMIT', label: 'Limit' },
              ]}
              value={draft.orderType}
              disabled={disabled}
              onChange={(v) => edit({ orderType: v === 'LIMIT' ? 'LIMIT' : 'MARKET' })}
            />
          </Group>
          {draft.orderType === 'LIMIT' && (
            <TextInput label="Limit price ($)" inputMode="decimal" value={draft.limitPrice} disabled={disabled} error={problems.limitPrice} onChange={(e) => edit({ limitPrice: e.currentTarget.value })} />
          )}
          <Group>
            <Button variant="light" onClick={() => void doPreview()} loading={previewMut.isPending} disabled={disabled}>
              Preview
            </Button>
          </Group>
          {previewed && (
            <>
              <PreviewCard p={previewed.result} />
              {placeMode && (
                <Group gap="sm" wrap="wrap">
                  <Button
                    color={placeMode === 'live' ? 'red' : undefined}
                    onClick={() => void doPlace()}
                    loading={place.isPending}
                    disabled={disabled || previewed.result.refusal !== null}
                    data-testid="place-order"
                  >
                    Place {MODE_LABEL[placeMode].label} order
                  </Button>
                  <Text size="sm">
                    {previewed.input.side} {formatQuantity(previewed.input.quantity)} {previewed.input.symbol} {previewed.input.orderType === 'LIMIT' ? `limit ${formatMoney(previewed.input.limitPrice ?? '0', 4)}` : 'at market'}, in{' '}
                    <strong>{MODE_LABEL[placeMode].label}</strong> mode.
                  </Text>
                </Group>
              )}
            </>
          )}
        </Stack>
      </Card>
      <Stack gap="sm">
        <Title order={3} size="h4">
          Working orders
        </Title>
        <QueryStatus query={orders} loading="Loading the orders…" failed="Could not load the orders" />
        {orders.data?.length === 0 && <Text size="sm">No working orders.</Text>}
        {orders.data && orders.data.length > 0 && <OrdersTable orders={orders.data} refusal={refusal} onCancel={setCancelling} />}
      </Stack>
      <Modal opened={cancelling !== null} onClose={() => setCancelling(null)} title="Cancel this order?">
        {cancelling && (
          <Stack gap="sm">
            <Text size="sm">
              {cancelling.side} {formatQuantity(cancelling.quantity)} {cancelling.symbol} ({MODE_LABEL[cancelling.mode].label}). What has filled already stays filled.
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setCancelling(null)}>
                Keep it
              </Button>
              <Button color="red" onClick={() => void doCancel()} loading={cancel.isPending}>
                Cancel the order
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
      {stepUpDialog}
    </Stack>
  );
}
