// Engine: state and mode at a glance, the controls the server says this person may use now
// (the others disabled with the reason written out), the kill switch apart in red, the live
// ceremony for admins, the next scheduled run, a preview of the next run, "Run now", the last
// runs with their intents, orders, fills and refusals, and the recent transitions. Every
// change asks for a reason in a dialog. Live events refetch it all (live/invalidation.ts).
import { Alert, Badge, Button, Card, Group, Modal, PasswordInput, SimpleGrid, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import type { EngineAction, EngineRunView, EngineStateOutput } from '@jutsu/shared';
import { useState } from 'react';
import { useSignedInUser } from '../../auth/signed-in-user.ts';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { TableHead } from '../../components/TableHead.tsx';
import { StepUpCancelled, useStepUp } from '../../components/reauth/use-step-up.tsx';
import { formatMoney, formatQuantity } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { useNow } from '../dashboard/use-now.ts';
import { formatJobTime } from './schedule-format.ts';
import { ScrollTable } from '../../components/ScrollTable.tsx';
import {
  ACTION_TEXT,
  actorInWords,
  CONTROL_ORDER,
  engineErrorInWords,
  intentOutcome,
  MODE_LABEL,
  modeControlsRefusal,
  nextRunText,
  RUN_STATUS_LABEL,
  runControlsRefusal,
  runSummary,
  STATE_LABEL,
} from './engine-words.ts';

type Message = { color: 'green' | 'red'; text: string } | null;

const when = (at: Date) => formatJobTime(at).market;

/** A control with its reason written beside it when it is not available. */
function Control({ label, allowed, reason, color, testId, onClick }: { label: string; allowed: boolean; reason: string | null; color?: string; testId: string; onClick: () => void }) {
  return (
    <Stack gap={2} data-testid={testId} data-allowed={allowed}>
      <Button color={color} variant={color === 'red' ? 'filled' : 'light'} disabled={!allowed} onClick={onClick}>
        {label}
      </Button>
      {!allowed && reason && (
        <Text size="xs" c="dimmed" data-testid={`${testId}-reason`}>
          {reason}
        </Text>
      )}
    </Stack>
  );
}

function StateCard({ engine }: { engine: EngineStateOutput }) {
  const state = STATE_LABEL[engine.state];
  const mode = MODE_LABEL[engine.mode];
  return (
    <Card withBorder padding="lg">
      <Group gap="sm" wrap="wrap">
        <Badge size="lg" color={state.color} data-testid="engine-state" data-state={engine.state}>
          {state.label}
        </Badge>
        <Badge size="lg" color={mode.color} variant="outline" data-testid="engine-mode" data-mode={engine.mode}>
          {mode.label}
        </Badge>
      </Group>
      <Text size="sm" mt="sm">
        {state.meaning}
      </Text>
      <Text size="sm" c="dimmed" mt={4} data-testid="engine-since">
        {engine.since ? `Since ${when(engine.since)}` : 'Never changed'}
        {engine.changedBy ? ` · by ${actorInWords(engine.changedBy)}` : ''}
        {engine.reason ? ` · “${engine.reason}”` : ''}
      </Text>
    </Card>
  );
}

function IntentsTable({ run }: { run: EngineRunView }) {
  if (run.intents.length === 0) return null;
  return (
    <ScrollTable label="Run intents" minWidth={560}>
      <Table verticalSpacing="xs" striped data-testid="run-intents">
        <TableHead columns={['Symbol', 'Side', 'Quantity', 'Intended price', 'Outcome']} />
        <Table.Tbody>
          {run.intents.map((i, n) => (
            <Table.Tr key={i.intentId ?? `${i.symbol}-${n}`} data-testid="run-intent" data-status={i.status}>
              <Table.Td>{i.symbol}</Table.Td>
              <Table.Td>{i.side}</Table.Td>
              <Table.Td>{formatQuantity(i.quantity)}</Table.Td>
              <Table.Td>{formatMoney(i.intendedPrice)}</Table.Td>
              <Table.Td>
                <Text size="sm">{intentOutcome(i)}</Text>
                {i.reason && (
                  <Text size="xs" c="dimmed">
                    {i.reason}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}

function RunCard({ run, testId }: { run: EngineRunView; testId: string }) {
  const status = RUN_STATUS_LABEL[run.status];
  const notes = run.detail?.split('\n').filter(Boolean) ?? [];
  return (
    <Card withBorder padding="md" data-testid={testId} data-status={run.status} data-refusal={run.refusal ?? ''}>
      <Group gap="xs" wrap="wrap">
        <Badge color={status.color}>{status.label}</Badge>
        <Badge color={MODE_LABEL[run.mode].color} variant="outline">
          {MODE_LABEL[run.mode].label}
        </Badge>
        <Text size="sm" c="dimmed">
          {run.trigger === 'schedule' ? 'Scheduled' : 'Manual'} · {when(run.startedAt)} · {actorInWords(run.actor)}
        </Text>
      </Group>
      <Text size="sm" mt="xs" data-testid="run-summary">
        {runSummary(run)}
      </Text>
      {notes.length > (run.refusal ? 1 : 0) && (
        <Stack gap={0} mt={4}>
          {notes.slice(run.refusal ? 1 : 0).map((line, n) => (
            <Text key={n} size="xs" c="dimmed">
              {line}
            </Text>
          ))}
        </Stack>
      )}
      <IntentsTable run={run} />
    </Card>
  );
}

interface Pending {
  action: EngineAction;
  reason: string;
  error: string | null;
}

interface LiveCeremony {
  last4: string;
  reason: string;
  error: string | null;
}

export function EnginePage() {
  const user = useSignedInUser();
  const role = user?.role;
  const utils = trpc.useUtils();
  const engine = trpc.engine.state.useQuery(undefined, { refetchInterval: 30_000 });
  const runs = trpc.engine.runs.useQuery({ limit: 10, includeDryRuns: false });
  const transitions = trpc.engine.transitions.useQuery({ limit: 20 });
  const jobs = trpc.scheduler.jobs.useQuery(undefined, { refetchInterval: 60_000 });
  const control = trpc.engine.control.useMutation();
  const setMode = trpc.engine.setMode.useMutation();
  const preview = trpc.engine.preview.useMutation();
  const runNow = trpc.engine.runNow.useMutation();
  const { withStepUp, stepUpDialog } = useStepUp();
  const now = useNow();
  const [message, setMessage] = useState<Message>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [ceremony, setCeremony] = useState<LiveCeremony | null>(null);
  const [confirmRun, setConfirmRun] = useState(false);
  const [previewed, setPreviewed] = useState<EngineRunView | null>(null);

  const refresh = async () => {
    await Promise.all([utils.engine.state.invalidate(), utils.engine.transitions.invalidate(), utils.engine.runs.invalidate(), utils.trading.orders.invalidate()]);
  };

  const data = engine.data;
  const runRefusal = runControlsRefusal(role);
  const modeRefusal = modeControlsRefusal(role);
  const next = nextRunText(jobs.data?.jobs, now);
  const actionOf = (a: EngineAction) => data?.actions.find((x) => x.action === a) ?? { action: a, allowed: false, reason: 'Loading…' };

  const submitControl = async () => {
    if (!pending) return;
    const { action, reason } = pending;
    try {
      const res = await withStepUp(() => control.mutateAsync({ action, reason }), ACTION_TEXT[action].button.toLowerCase());
      setPending(null);
      let text = `Done: the engine is ${STATE_LABEL[res.state.state].label.toLowerCase()}.`;
      if (action === 'halt') {
        if (res.cancelError) text += ` Cancelling working orders failed: ${res.cancelError}.`;
        else if (res.cancelledOrders !== null) text += ` ${res.cancelledOrders} working order(s) cancelled at the broker.`;
      }
      setMessage({ color: res.cancelError ? 'red' : 'green', text });
    } catch (err) {
      if (!(err instanceof StepUpCancelled)) setPending((p) => (p ? { ...p, error: engineErrorInWords(err) } : p));
    }
    await refresh();
  };

  const submitLive = async () => {
    if (!ceremony) return;
    try {
      await withStepUp(() => setMode.mutateAsync({ mode: 'live', accountLast4: ceremony.last4, reason: ceremony.reason.trim() }), 'switch to live trading');
      setCeremony(null);
      setMessage({ color: 'green', text: 'Live trading is on: runs and manual orders now go to Schwab with real money.' });
    } catch (err) {
      if (!(err instanceof StepUpCancelled)) setCeremony((c) => (c ? { ...c, error: engineErrorInWords(err) } : c));
    }
    await refresh();
  };

  const backToPaper = async () => {
    setMessage(null);
    try {
      await withStepUp(() => setMode.mutateAsync({ mode: 'paper' }), 'switch back to paper');
      setMessage({ color: 'green', text: 'Back to paper: nothing goes to Schwab any more.' });
    } catch (err) {
      if (!(err instanceof StepUpCancelled)) setMessage({ color: 'red', text: engineErrorInWords(err) });
    }
    await refresh();
  };

  const doPreview = async () => {
    setMessage(null);
    try {
      setPreviewed(await preview.mutateAsync());
    } catch (err) {
      setPreviewed(null);
      setMessage({ color: 'red', text: engineErrorInWords(err) });
    }
  };

  const doRunNow = async () => {
    setConfirmRun(false);
    setMessage(null);
    try {
      const run = await runNow.mutateAsync();
      setMessage({ color: run.status === 'completed' ? 'green' : 'red', text: `Run ${RUN_STATUS_LABEL[run.status].label.toLowerCase()}: ${runSummary(run)}` });
    } catch (err) {
      setMessage({ color: 'red', text: engineErrorInWords(err) });
    }
    await refresh();
  };

  const halt = actionOf('halt');
  const ceremonyValid = ceremony !== null && /^\d{4}$/.test(ceremony.last4) && ceremony.reason.trim().length >= 3;

  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Engine</Title>
        <Text c="dimmed" size="sm">
          The trading engine: its state, its mode, its runs. Every change needs a reason and is recorded.
        </Text>
      </div>
      {message && (
        <Alert color={message.color} role={message.color === 'red' ? 'alert' : 'status'} withCloseButton onClose={() => setMessage(null)} data-testid="engine-message">
          {message.text}
        </Alert>
      )}
      <QueryStatus query={engine} loading="Loading the engine…" failed="Could not load the engine" />
      {data && (
        <>
          <StateCard engine={data} />
          <Card withBorder padding="lg">
            <Title order={3} size="h4" mb="sm">
              Controls
            </Title>
            <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
              {CONTROL_ORDER.map((a) => {
                const x = actionOf(a);
                return (
                  <Control
                    key={a}
                    label={ACTION_TEXT[a].button}
                    allowed={x.allowed}
                    reason={x.reason}
                    testId={`control-${a}`}
                    onClick={() => setPending({ action: a, reason: '', error: null })}
                  />
                );
              })}
            </SimpleGrid>
            <Group mt="lg" align="flex-start">
              <Control label="Halt trading" color="red" allowed={halt.allowed} reason={halt.reason} testId="control-halt" onClick={() => setPending({ action: 'halt', reason: '', error: null })} />
              <Text size="xs" c="dimmed" maw={420}>
                The kill switch cancels every working order at the broker and stops all trading until an admin resumes.
              </Text>
            </Group>
          </Card>
          <Card withBorder padding="lg">
            <Title order={3} size="h4" mb="sm">
              Mode
            </Title>
            <Group gap="sm" wrap="wrap">
              <Badge size="lg" color={MODE_LABEL[data.mode].color}>
                {MODE_LABEL[data.mode].label}
              </Badge>
              <Text size="sm">
                {data.mode === 'live' ? `Orders go to Schwab, account ${data.liveAccount ?? '(not connected)'}, with real money.` : 'Orders fill on paper at the quote: no money moves.'}
              </Text>
            </Group>
            <Group mt="md">
              {data.mode === 'paper' ? (
                <Control
                  label="Switch to live…"
                  color="orange"
                  allowed={modeRefusal === null}
                  reason={modeRefusal}
                  testId="control-live"
                  onClick={() => setCeremony({ last4: '', reason: '', error: null })}
                />
              ) : (
                <Control label="Back to paper" allowed={modeRefusal === null} reason={modeRefusal} testId="control-paper" onClick={() => void backToPaper()} />
              )}
            </Group>
          </Card>
        </>
      )}
      <Card withBorder padding="lg">
        <Title order={3} size="h4" mb="sm">
          Runs
        </Title>
        <Text size="sm" data-testid="next-run">
          Next scheduled run: {next.countdown ? <strong data-testid="next-run-countdown">{next.countdown}</strong> : null} {next.detail}
        </Text>
        <Group mt="md" align="flex-start">
          <Control label="Preview next run" allowed={runRefusal === null && !preview.isPending} reason={runRefusal} testId="control-preview" onClick={() => void doPreview()} />
          <Control label="Run now" allowed={runRefusal === null && !runNow.isPending} reason={runRefusal} testId="control-run-now" onClick={() => setConfirmRun(true)} />
        </Group>
        {previewed && (
          <Stack gap="xs" mt="md">
            <Text size="sm" fw={500}>
              Preview (nothing was placed)
            </Text>
            <RunCard run={previewed} testId="run-preview" />
          </Stack>
        )}
      </Card>
      <Stack gap="sm">
        <Title order={3} size="h4">
          Last runs
        </Title>
        <QueryStatus query={runs} loading="Loading the runs…" failed="Could not load the runs" />
        {runs.data?.length === 0 && <Text size="sm">No runs yet.</Text>}
        {runs.data?.map((run) => (
          <RunCard key={run.id} run={run} testId="engine-run" />
        ))}
      </Stack>
      <Stack gap="sm">
        <Title order={3} size="h4">
          Recent changes
        </Title>
        <QueryStatus query={transitions} loading="Loading the changes…" failed="Could not load the changes" />
        {transitions.data?.items.length === 0 && <Text size="sm">No changes yet.</Text>}
        {transitions.data && transitions.data.items.length > 0 && (
          <ScrollTable label="Recent transitions" minWidth={640}>
            <Table verticalSpacing="xs" striped data-testid="engine-transitions">
              <TableHead columns={['When', 'Change', 'Mode', 'Who', 'Reason']} />
              <Table.Tbody>
                {transitions.data.items.map((t) => (
                  <Table.Tr key={t.id} data-testid="engine-transition">
                    <Table.Td>{when(t.at)}</Table.Td>
                    <Table.Td>{t.action === 'set_mode' ? `Mode → ${MODE_LABEL[t.mode].label}` : `${STATE_LABEL[t.from].label} → ${STATE_LABEL[t.to].label}`}</Table.Td>
                    <Table.Td>{MODE_LABEL[t.mode].label}</Table.Td>
                    <Table.Td>{actorInWords(t.actor)}</Table.Td>
                    <Table.Td>{t.reason}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
        )}
      </Stack>

      <Modal opened={pending !== null} onClose={() => setPending(null)} title={pending ? ACTION_TEXT[pending.action].title : ''}>
        {pending && (
          <Stack gap="sm">
            <Text size="sm" fw={pending.action === 'halt' ? 600 : undefined} c={pending.action === 'halt' ? 'red' : undefined}>
              {ACTION_TEXT[pending.action].explain}
            </Text>
            <Textarea
              label="Reason"
              required
              minLength={3}
              maxLength={500}
              value={pending.reason}
              onChange={(e) => {
                const reason = e.currentTarget.value;
                setPending((p) => (p ? { ...p, reason } : p));
              }}
            />
            {pending.error && (
              <Alert color="red" role="alert">
                {pending.error}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setPending(null)}>
                Cancel
              </Button>
              <Button color={pending.action === 'halt' ? 'red' : undefined} onClick={() => void submitControl()} loading={control.isPending} disabled={pending.reason.trim().length < 3}>
                {ACTION_TEXT[pending.action].confirm}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>

      <Modal opened={ceremony !== null} onClose={() => setCeremony(null)} title="Switch to live trading?">
        {ceremony && (
          <Stack gap="sm">
            <Alert color="orange" title="Real money">
              In live mode the engine&apos;s runs and manual orders are sent to Schwab and trade real money in the account below. Switching back to paper is one click.
            </Alert>
            <Text size="sm" data-testid="live-account">
              {data?.liveAccount ? `Account ${data.liveAccount}` : 'No Schwab account is connected.'}
            </Text>
            <PasswordInput
              label="Last 4 digits of that account"
              description="Type them to confirm you mean this account."
              inputMode="numeric"
              autoComplete="off"
              maxLength={4}
              value={ceremony.last4}
              onChange={(e) => {
                const last4 = e.currentTarget.value.replace(/\D/g, '').slice(0, 4);
                setCeremony((c) => (c ? { ...c, last4, error: null } : c));
              }}
            />
            <Textarea
              label="Reason"
              required
              minLength={3}
              maxLength={500}
              value={ceremony.reason}
              onChange={(e) => {
                const reason = e.currentTarget.value;
                setCeremony((c) => (c ? { ...c, reason } : c));
              }}
            />
            {ceremony.error && (
              <Alert color="red" role="alert" data-testid="live-refusal">
                {ceremony.error}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setCeremony(null)}>
                Cancel
              </Button>
              <Button color="red" onClick={() => void submitLive()} loading={setMode.isPending} disabled={!ceremonyValid}>
                Switch to live
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>

      <Modal opened={confirmRun} onClose={() => setConfirmRun(false)} title="Run the strategy now?">
        <Stack gap="sm">
          <Text size="sm">
            {data?.mode === 'live'
              ? `LIVE: the orders it decides on are sent to Schwab now, account ${data.liveAccount ?? ''}, with real money.`
              : 'PAPER: the orders it decides on fill on paper at the quote.'}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmRun(false)}>
              Cancel
            </Button>
            <Button color={data?.mode === 'live' ? 'red' : undefined} onClick={() => void doRunNow()}>
              Run now
            </Button>
          </Group>
        </Stack>
      </Modal>
      {stepUpDialog}
    </Stack>
  );
}
