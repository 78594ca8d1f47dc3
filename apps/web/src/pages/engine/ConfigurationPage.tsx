// Engine → Configuration: every engine and strategy parameter as a form generated from
// CONFIG_SCHEMA, grouped as the schema groups them. Saving shows the diff (old → new) and asks
// for a reason; each changed key becomes one config.set (a recent sign-in is asked for when
// the server wants one). The history below lists every change and can go back to any earlier
// value, which is itself a new change with its own reason. Only admins edit; everyone else
// sees the same fields read-only and why.
import { Alert, Badge, Button, Card, Group, List, Modal, NumberInput, Select, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { CONFIG_SCHEMA, sameConfigValue, type ConfigDescriptor, type ConfigKey } from '@jutsu/shared';
import { useState, type FormEvent } from 'react';
import { useSignedInUser } from '../../auth/signed-in-user.ts';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { StepUpCancelled, useStepUp } from '../../components/reauth/use-step-up.tsx';
import { TableHead } from '../../components/TableHead.tsx';
import { describeApiError } from '../../lib/api-errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { trpc } from '../../trpc.ts';
import { configDiff, describeHistoryChange, draftError, fromDraft, GROUP_LABELS, toDraft, type DiffLine, type Draft } from './config-form.ts';
import { TargetsEditor } from './TargetsEditor.tsx';
import { ScrollTable } from '../../components/ScrollTable.tsx';

const HISTORY_PAGE = 25;
const REASON_MIN = 3;
const REASON_MAX = 500;

interface Entry {
  key: ConfigKey;
  value: unknown;
  overridden: boolean;
}

type Message = { color: 'green' | 'red'; text: string } | null;

function reasonProblem(reason: string): string | null {
  const r = reason.trim();
  if (r.length < REASON_MIN) return `Give a reason (at least ${REASON_MIN} characters).`;
  return r.length > REASON_MAX ? `At most ${REASON_MAX} characters.` : null;
}

function fieldLabel(schema: ConfigDescriptor): string {
  return schema.unit ? `${schema.label} (${schema.unit})` : schema.label;
}

function Field({ entry, draft, onChange, disabled }: { entry: Entry; draft: Draft; onChange: (d: Draft) => void; disabled: boolean }) {
  const schema: ConfigDescriptor = CONFIG_SCHEMA[entry.key];
  const error = disabled ? null : draftError(entry.key, draft);
  const description = (
    <>
      {schema.description}
      {schema.type === 'integer' && ` From ${schema.min} to ${schema.max}.`}
      {schema.type === 'decimal' && ` From ${schema.min} to ${schema.max}.`}
      {entry.overridden ? '' : ' (default)'}
    </>
  );
  const testId = `config-${entry.key}`;
  switch (schema.type) {
    case 'integer':
      return (
        <NumberInput
          label={fieldLabel(schema)}
          description={description}
          value={typeof draft === 'string' ? draft : ''}
          onChange={(v) => onChange(String(v))}
          min={schema.min}
          max={schema.max}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="none"
          disabled={disabled}
          error={error}
          data-testid={testId}
        />
      );
    case 'decimal':
      return (
        <TextInput
          label={fieldLabel(schema)}
          description={description}
          value={typeof draft === 'string' ? draft : ''}
          onChange={(e) => onChange(e.currentTarget.value)}
          inputMode="decimal"
          maxLength={24}
          disabled={disabled}
          error={error}
          data-testid={testId}
        />
      );
    case 'enum':
      return (
        <Select
          label={fieldLabel(schema)}
          description={description}
          data={[...schema.values]}
          value={typeof draft === 'string' ? draft : null}
          onChange={(v) => v !== null && onChange(v)}
          allowDeselect={false}
          disabled={disabled}
          error={error}
          data-testid={testId}
        />
      );
    case 'targets':
      return (
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            {fieldLabel(schema)}
          </Text>
          <Text size="xs" c="dimmed">
            {description}
          </Text>
          <TargetsEditor rows={Array.isArray(draft) ? draft : []} onChange={onChange} disabled={disabled} error={error} maxSymbols={schema.maxSymbols} />
        </Stack>
      );
  }
}

function DiffList({ lines }: { lines: DiffLine[] }) {
  return (
    <List spacing="xs" data-testid="config-diff">
      {lines.map((line) => (
        <List.Item key={line.key}>
          <Text size="sm" fw={500} span>
            {line.label}:
          </Text>{' '}
          <Text size="sm" span>
            {line.from} → {line.to}
          </Text>
          {line.details.length > 0 && (
            <List size="sm" withPadding>
              {line.details.map((d) => (
                <List.Item key={d}>{d}</List.Item>
              ))}
            </List>
          )}
        </List.Item>
      ))}
    </List>
  );
}

/** A reason box and the confirm button, for saving and for reverting. */
function ReasonForm({ submitLabel, pending, error, onSubmit, onCancel }: { submitLabel: string; pending: boolean; error: string | null; onSubmit: (reason: string) => void; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const [shown, setShown] = useState<string | null>(null);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const problem = reasonProblem(reason);
    setShown(problem);
    if (!problem) onSubmit(reason.trim());
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Textarea label="Reason" description="Recorded in the history with your name." value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={shown} autosize minRows={2} maxLength={REASON_MAX} required data-autofocus />
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={pending}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function ConfigurationPage() {
  const user = useSignedInUser();
  const canEdit = user?.role === 'admin';
  const utils = trpc.useUtils();
  const effective = trpc.config.effective.useQuery();
  const historyQuery = trpc.config.history.useInfiniteQuery({ limit: HISTORY_PAGE }, { getNextPageParam: (last) => last.nextCursor ?? undefined });
  const set = trpc.config.set.useMutation();
  const revert = trpc.config.revert.useMutation();
  const { withStepUp, stepUpDialog } = useStepUp();
  const [drafts, setDrafts] = useState<Partial<Record<ConfigKey, Draft>>>({});
  const [message, setMessage] = useState<Message>(null);
  const [confirming, setConfirming] = useState(false);
  const [saving, setSaving] = useState(false);
  const [modalError, setModalError] = useState<string | null>(null);
  const [reverting, setReverting] = useState<{ id: string; key: string; label: string; to: string } | null>(null);

  const entries: Entry[] = effective.data ?? [];
  const draftOf = (e: Entry): Draft => drafts[e.key] ?? toDraft(CONFIG_SCHEMA[e.key], e.value);
  const diff = configDiff(entries, drafts);
  const invalid = entries.some((e) => drafts[e.key] !== undefined && draftError(e.key, drafts[e.key]!) !== null);
  const refresh = () => Promise.all([utils.config.effective.invalidate(), utils.config.history.invalidate()]);

  const openConfirm = () => {
    setModalError(null);
    setMessage(null);
    setConfirming(true);
  };

  const save = async (reason: string) => {
    setSaving(true);
    setModalError(null);
    let saved = 0;
    try {
      // One change per key, in schema order; a refusal stops the rest (those stay as drafts).
      for (const line of diff) {
        const value = fromDraft(CONFIG_SCHEMA[line.key], drafts[line.key]!);
        await withStepUp(() => set.mutateAsync({ key: line.key, value, reason }), 'Changing the configuration');
        saved += 1;
        setDrafts((d) => {
          const { [line.key]: _done, ...rest } = d;
          return rest;
        });
      }
      setConfirming(false);
      setMessage({ color: 'green', text: `Saved ${saved} change${saved === 1 ? '' : 's'}. ${saved === 1 ? 'It applies' : 'They apply'} from the next run.` });
    } catch (err) {
      if (!(err instanceof StepUpCancelled)) setModalError(`${saved ? `${saved} change${saved === 1 ? ' was' : 's were'} saved; then: ` : ''}${describeApiError(err)}`);
    } finally {
      setSaving(false);
      await refresh();
    }
  };

  const doRevert = async (reason: string) => {
    if (!reverting) return;
    setModalError(null);
    try {
      await withStepUp(() => revert.mutateAsync({ historyId: reverting.id, reason }), 'Reverting the configuration');
      setMessage({ color: 'green', text: `${reverting.label} is back to ${reverting.to}. It applies from the next run.` });
      setDrafts((d) => {
        const { [reverting.key as ConfigKey]: _gone, ...rest } = d;
        return rest;
      });
      setReverting(null);
      await refresh();
    } catch (err) {
      if (!(err instanceof StepUpCancelled)) setModalError(describeApiError(err));
    }
  };

  const groups = [...new Set(entries.map((e) => CONFIG_SCHEMA[e.key].group))];
  const historyRows = historyQuery.data?.pages.flatMap((p) => p.rows) ?? [];
  const currentOf = new Map(entries.map((e) => [e.key as string, e.value]));

  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Configuration</Title>
        <Text c="dimmed" size="sm">
          Engine and strategy parameters. A change applies from the next run; every change is kept in the history below.
        </Text>
      </div>
      {!canEdit && (
        <Alert color="gray" data-testid="config-read-only">
          Only an administrator can change the configuration. You can read it and its history.
        </Alert>
      )}
      {message && (
        <Alert color={message.color} role={message.color === 'red' ? 'alert' : 'status'} withCloseButton onClose={() => setMessage(null)}>
          {message.text}
        </Alert>
      )}
      <QueryStatus query={effective} loading="Loading the configuration…" failed="Could not load the configuration" />
      {groups.map((group) => (
        <Card withBorder padding="lg" key={group} aria-labelledby={`config-group-${group}`}>
          <Title order={3} size="h4" id={`config-group-${group}`} mb="sm">
            {GROUP_LABELS[group]}
          </Title>
          <Stack>
            {entries
              .filter((e) => CONFIG_SCHEMA[e.key].group === group)
              .map((e) => (
                <Field key={e.key} entry={e} draft={draftOf(e)} disabled={!canEdit} onChange={(d) => setDrafts((all) => ({ ...all, [e.key]: d }))} />
              ))}
          </Stack>
        </Card>
      ))}
      {canEdit && effective.data && (
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setDrafts({})} disabled={Object.keys(drafts).length === 0}>
            Discard changes
          </Button>
          <Button onClick={openConfirm} disabled={diff.length === 0 || invalid}>
            Save…
          </Button>
        </Group>
      )}

      <Card withBorder padding="lg" aria-labelledby="config-history-title">
        <Title order={3} size="h4" id="config-history-title" mb="sm">
          History
        </Title>
        <QueryStatus query={historyQuery} loading="Loading the history…" failed="Could not load the history" />
        {historyQuery.data && historyRows.length === 0 && <Text size="sm">No changes yet: every value is its default.</Text>}
        {historyRows.length > 0 && (
          <ScrollTable label="Configuration history" minWidth={720}>
            <Table striped data-testid="config-history">
              <TableHead columns={['When', 'Who', 'Setting', 'Change', 'Reason']} actions={canEdit} />
              <Table.Tbody>
                {historyRows.map((row) => {
                  const change = describeHistoryChange(row.key, row.oldValue, row.newValue);
                  const known = Object.hasOwn(CONFIG_SCHEMA, row.key);
                  const inForce = known && currentOf.has(row.key) && sameConfigValue(row.key as ConfigKey, currentOf.get(row.key), row.newValue);
                  return (
                    <Table.Tr key={row.id} data-testid={`config-history-${row.id}`}>
                      <Table.Td>{formatDateTime(row.changedAt)}</Table.Td>
                      <Table.Td>{row.changedBy ?? 'system'}</Table.Td>
                      <Table.Td>{change.label}</Table.Td>
                      <Table.Td>
                        {change.from} → {change.to}
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'pre-wrap' }}>{row.reason ?? ''}</Table.Td>
                      {canEdit && (
                        <Table.Td>
                          {inForce ? (
                            <Badge variant="light" color="gray">
                              In force
                            </Badge>
                          ) : (
                            <Button
                              size="xs"
                              variant="light"
                              disabled={!known}
                              onClick={() => {
                                setModalError(null);
                                setMessage(null);
                                setReverting({ id: row.id, key: row.key, label: change.label, to: change.to });
                              }}
                            >
                              Revert to this
                            </Button>
                          )}
                        </Table.Td>
                      )}
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </ScrollTable>
        )}
        {historyQuery.hasNextPage && (
          <Group justify="center" mt="sm">
            <Button variant="default" onClick={() => void historyQuery.fetchNextPage()} loading={historyQuery.isFetchingNextPage}>
              Show older changes
            </Button>
          </Group>
        )}
      </Card>

      <Modal opened={confirming} onClose={() => !saving && setConfirming(false)} title="Save these changes?" centered size="lg">
        {confirming && (
          <Stack>
            <DiffList lines={diff} />
            <Text size="sm" c="dimmed">
              They apply from the next run.
            </Text>
            <ReasonForm submitLabel="Save" pending={saving} error={modalError} onSubmit={(r) => void save(r)} onCancel={() => setConfirming(false)} />
          </Stack>
        )}
      </Modal>
      <Modal opened={reverting !== null} onClose={() => setReverting(null)} title="Revert to this value?" centered>
        {reverting && (
          <Stack>
            <Text size="sm" data-testid="config-revert-summary">
              {reverting.label} goes back to {reverting.to} (change #{reverting.id}). This is recorded as a new change.
            </Text>
            <ReasonForm submitLabel="Revert" pending={revert.isPending} error={modalError} onSubmit={(r) => void doRevert(r)} onCancel={() => setReverting(null)} />
          </Stack>
        )}
      </Modal>
      {stepUpDialog}
    </Stack>
  );
}
