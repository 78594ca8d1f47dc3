// Engine → Schedules: every scheduled job with its switch, next run (countdown, New York time
// and the person's), last run, duration, result and error; "Run now" and the switch for
// admins (everyone else sees them disabled with the reason), and the strategy's trade slot.
// The list refetches every 15 seconds and after each change.
import { Alert, Badge, Button, Card, Group, Modal, Select, Stack, Switch, Table, Text, Textarea, Title, Tooltip } from '@mantine/core';
import { TRADE_SLOTS, type SchedulerJobView, type TradeSlot } from '@jutsu/shared';
import { useState } from 'react';
import { useSignedInUser } from '../../auth/signed-in-user.ts';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { TableHead } from '../../components/TableHead.tsx';
import { StepUpCancelled, useStepUp } from '../../components/reauth/use-step-up.tsx';
import { describeApiError } from '../../lib/api-errors.ts';
import { useNow } from '../dashboard/use-now.ts';
import { trpc } from '../../trpc.ts';
import { formatCountdown, formatJobTime, formatRunDuration, scheduleControlsRefusal, STATUS_LABEL } from './schedule-format.ts';
import { ScrollTable } from '../../components/ScrollTable.tsx';

const COLUMNS = ['Job', 'Enabled', 'Next run', 'Last run', 'Duration', 'Result'] as const;

function JobTime({ at }: { at: Date }) {
  const t = formatJobTime(at);
  return (
    <>
      <Text size="sm">{t.market}</Text>
      {t.local && (
        <Text size="xs" c="dimmed">
          {t.local}
        </Text>
      )}
    </>
  );
}

/** A control an admin can use; for anyone else disabled, with the reason in its tooltip. */
function Guarded({ refusal, children }: { refusal: string | null; children: React.ReactElement }) {
  if (!refusal) return children;
  return (
    <Tooltip label={refusal} withinPortal>
      <span>{children}</span>
    </Tooltip>
  );
}

function JobRow({ job, now, refusal, busy, onRun, onSwitch }: { job: SchedulerJobView; now: Date; refusal: string | null; busy: boolean; onRun: () => void; onSwitch: (enabled: boolean) => void }) {
  const status = job.lastStatus ? STATUS_LABEL[job.lastStatus] : null;
  return (
    <Table.Tr data-testid={`job-${job.id}`}>
      <Table.Td>
        <Text size="sm" fw={500}>
          {job.label}
        </Text>
        <Text size="xs" c="dimmed">
          {job.schedule}
          {job.tradingDaysOnly ? ' · trading days only' : ''}
        </Text>
      </Table.Td>
      <Table.Td>
        <Guarded refusal={refusal}>
          <Switch checked={job.enabled} disabled={refusal !== null || busy} onChange={(e) => onSwitch(e.currentTarget.checked)} aria-label={`${job.label} enabled`} />
        </Guarded>
      </Table.Td>
      <Table.Td>
        {!job.enabled ? (
          <Text size="sm" c="dimmed">
            Disabled
          </Text>
        ) : job.nextRunAt ? (
          <>
            <Text size="sm" fw={500} data-testid={`countdown-${job.id}`}>
              {formatCountdown(job.nextRunAt, now)}
            </Text>
            <JobTime at={job.nextRunAt} />
          </>
        ) : (
          <Text size="sm" c="dimmed">
            Not scheduled
          </Text>
        )}
      </Table.Td>
      <Table.Td>{job.lastRunAt ? <JobTime at={job.lastRunAt} /> : <Text size="sm">Never</Text>}</Table.Td>
      <Table.Td>
        <Text size="sm">{job.durationMs === null ? '—' : formatRunDuration(job.durationMs)}</Text>
      </Table.Td>
      <Table.Td>
        {status ? <Badge color={status.color}>{status.label}</Badge> : <Text size="sm">—</Text>}
        {job.lastStatus === 'missed' && job.lastMissedAt && (
          <Text size="xs" c="dimmed">
            The run due at {formatJobTime(job.lastMissedAt).market} was missed (the server was down).
          </Text>
        )}
        {job.lastError && (
          <Text size="xs" c="red" data-testid={`error-${job.id}`}>
            {job.lastError}
          </Text>
        )}
        {!job.lastError && job.lastSummary && (
          <Text size="xs" c="dimmed">
            {job.lastSummary}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Guarded refusal={refusal}>
          <Button size="xs" variant="light" disabled={refusal !== null || busy} onClick={onRun}>
            Run now
          </Button>
        </Guarded>
      </Table.Td>
    </Table.Tr>
  );
}

export function SchedulesPage() {
  const user = useSignedInUser();
  const refusal = scheduleControlsRefusal(user?.role);
  const utils = trpc.useUtils();
  const jobs = trpc.scheduler.jobs.useQuery(undefined, { refetchInterval: 15_000 });
  const setEnabled = trpc.scheduler.setEnabled.useMutation();
  const trigger = trpc.scheduler.trigger.useMutation();
  const setTradeSlot = trpc.scheduler.setTradeSlot.useMutation();
  const { withStepUp, stepUpDialog } = useStepUp();
  const [message, setMessage] = useState<{ color: string; text: string } | null>(null);
  const [slotChange, setSlotChange] = useState<{ slot: TradeSlot; reason: string } | null>(null);
  const now = useNow();

  const refresh = () => utils.scheduler.jobs.invalidate();
  const fail = (err: unknown) => {
    if (!(err instanceof StepUpCancelled)) setMessage({ color: 'red', text: describeApiError(err) });
  };

  const run = async (job: SchedulerJobView) => {
    setMessage(null);
    try {
      await trigger.mutateAsync({ id: job.id });
      setMessage({ color: 'green', text: `${job.label} started. Its result appears here when it ends.` });
    } catch (err) {
      fail(err);
    }
    await refresh();
  };

  const toggle = async (job: SchedulerJobView, enabled: boolean) => {
    setMessage(null);
    try {
      await withStepUp(() => setEnabled.mutateAsync({ id: job.id, enabled }), `${enabled ? 'enable' : 'disable'} ${job.label}`);
      setMessage({ color: 'green', text: `${job.label} is ${enabled ? 'enabled' : 'disabled'} on every server.` });
    } catch (err) {
      fail(err);
    }
    await refresh();
  };

  const saveSlot = async () => {
    if (!slotChange) return;
    setMessage(null);
    try {
      const res = await withStepUp(() => setTradeSlot.mutateAsync(slotChange), 'move the strategy run');
      setSlotChange(null);
      setMessage({ color: 'green', text: `The strategy now runs at ${res.slot} New York time${res.nextRunAt ? `; next: ${formatJobTime(res.nextRunAt).market}` : ''}.` });
    } catch (err) {
      fail(err);
    }
    await refresh();
  };

  const data = jobs.data;
  const busy = setEnabled.isPending || trigger.isPending;

  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Schedules</Title>
        <Text c="dimmed" size="sm">
          Background jobs. Each runs on one server only; a run missed while the server was down runs once if it is not too late, or is shown as missed.
        </Text>
      </div>
      {message && (
        <Alert color={message.color} role={message.color === 'red' ? 'alert' : 'status'} withCloseButton onClose={() => setMessage(null)}>
          {message.text}
        </Alert>
      )}
      <QueryStatus query={jobs} loading="Loading the schedules…" failed="Could not load the schedules" />
      {data && (
        <>
          <Card withBorder padding="lg">
            <Group align="flex-end" gap="md">
              <Guarded refusal={refusal}>
                <Select
                  label="Strategy run time (New York)"
                  description="On trading days. On a half day an afternoon time moves before the 13:00 close."
                  data={TRADE_SLOTS.map((s) => ({ value: s, label: s }))}
                  value={data.tradeSlot}
                  disabled={refusal !== null}
                  allowDeselect={false}
                  onChange={(v) => v && v !== data.tradeSlot && setSlotChange({ slot: v as TradeSlot, reason: '' })}
                />
              </Guarded>
            </Group>
          </Card>
          <ScrollTable label="Scheduled jobs" minWidth={760}>
            <Table verticalSpacing="sm" striped>
              <TableHead columns={COLUMNS} actions />
              <Table.Tbody>
                {data.jobs.map((job) => (
                  <JobRow key={job.id} job={job} now={now} refusal={refusal} busy={busy} onRun={() => void run(job)} onSwitch={(enabled) => void toggle(job, enabled)} />
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
        </>
      )}
      <Modal opened={slotChange !== null} onClose={() => setSlotChange(null)} title="Move the strategy run">
        {slotChange && data && (
          <Stack gap="sm">
            <Text size="sm">
              From {data.tradeSlot} to {slotChange.slot} New York time, from its next run on. The change is kept in the configuration history.
            </Text>
            <Textarea
              label="Reason"
              required
              minLength={3}
              maxLength={500}
              value={slotChange.reason}
              onChange={(e) => setSlotChange({ ...slotChange, reason: e.currentTarget.value })}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setSlotChange(null)}>
                Cancel
              </Button>
              <Button onClick={() => void saveSlot()} loading={setTradeSlot.isPending} disabled={slotChange.reason.trim().length < 3}>
                Move the run
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
      {stepUpDialog}
    </Stack>
  );
}
