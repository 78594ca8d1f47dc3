// Admin → Users: every account with its role, state, second factors and last sign-in; change
// the role, disable/enable, sign out everywhere, reset two-factor, unlock. What takes something
// away is confirmed in a dialog first; role changes and 2FA resets also need a recent sign-in
// (the step-up dialog asks for the password when the server says so).
import { Alert, Button, Card, Group, Modal, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { refreshAccessToken } from '../../auth/session.ts';
import { useSignedInUser } from '../../auth/signed-in-user.ts';
import { StepUpCancelled, useStepUp } from '../../components/reauth/use-step-up.tsx';
import { describeApiError, errorReasonOf, retryAfterOf } from '../../lib/api-errors.ts';
import { trpc } from '../../trpc.ts';
import {
  ACTION_LABEL,
  confirmationText,
  confirmationTitle,
  lastAdminReason,
  needsConfirmation,
  needsRecentSignIn,
  outcomeText,
  type UserAction,
} from './users/user-actions.ts';
import { UserRow } from './users/UserRow.tsx';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { TableHead } from '../../components/TableHead.tsx';
import { ScrollTable } from '../../components/ScrollTable.tsx';

const REFRESH_MS = 30_000;

function refusalMessage(error: unknown): string {
  switch (errorReasonOf(error)) {
    case 'LAST_ADMIN':
      return 'This is the last active admin: make another account an admin first.';
    case 'RATE_LIMITED':
      return `Too many requests. Try again in ${retryAfterOf(error) ?? 60} s.`;
    default:
      return describeApiError(error);
  }
}

export function UsersPage() {
  const me = useSignedInUser();
  const utils = trpc.useUtils();
  const users = trpc.admin.users.list.useQuery(undefined, { refetchInterval: REFRESH_MS });
  const setRole = trpc.admin.users.setRole.useMutation();
  const disable = trpc.admin.users.disable.useMutation();
  const enable = trpc.admin.users.enable.useMutation();
  const unlock = trpc.admin.users.unlock.useMutation();
  const revokeSessions = trpc.admin.users.revokeSessions.useMutation();
  const resetTwoFactor = trpc.admin.users.resetTwoFactor.useMutation();
  const { withStepUp, stepUpDialog } = useStepUp();
  const [confirming, setConfirming] = useState<UserAction | null>(null);
  const [busyUserId, setBusyUserId] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; title?: string; text: string } | null>(null);

  const call = (action: UserAction): Promise<unknown> => {
    const { id } = action.user;
    switch (action.kind) {
      case 'setRole':
        return setRole.mutateAsync({ id, role: action.role });
      case 'disable':
        return disable.mutateAsync({ id });
      case 'enable':
        return enable.mutateAsync({ id });
      case 'unlock':
        return unlock.mutateAsync({ id });
      case 'revokeSessions':
        return revokeSessions.mutateAsync({ id });
      case 'resetTwoFactor':
        return resetTwoFactor.mutateAsync({ id });
    }
  };

  const perform = async (action: UserAction) => {
    setOutcome(null);
    setBusyUserId(action.user.id);
    try {
      const result = needsRecentSignIn(action.kind) ? await withStepUp(() => call(action), `${ACTION_LABEL[action.kind]} for ${action.user.username}`) : await call(action);
      setOutcome({ ok: true, text: outcomeText(action, result) });
      // My own role changed: the session learns it from a refresh (the server reads the role per call anyway).
      if (action.kind === 'setRole' && action.user.id === me?.id) void refreshAccessToken();
    } catch (err) {
      if (!(err instanceof StepUpCancelled)) setOutcome({ ok: false, title: `${ACTION_LABEL[action.kind]}: not done`, text: refusalMessage(err) });
    } finally {
      setBusyUserId(null);
      void utils.admin.users.list.invalidate();
    }
  };

  const request = (action: UserAction) => {
    if (needsConfirmation(action)) setConfirming(action);
    else void perform(action);
  };

  const confirmed = () => {
    if (!confirming) return;
    const action = confirming;
    setConfirming(null);
    void perform(action);
  };

  const rows = users.data ?? [];
  return (
    <Stack gap="lg">
      {stepUpDialog}
      <div>
        <Title order={2}>Users</Title>
        <Text c="dimmed" size="sm">
          Accounts, their roles and how they sign in. New people join through Invitations.
        </Text>
      </div>
      {outcome && (
        <Alert color={outcome.ok ? 'green' : 'red'} role={outcome.ok ? 'status' : 'alert'} title={outcome.title} withCloseButton onClose={() => setOutcome(null)} closeButtonLabel="Dismiss" data-testid="user-action-outcome">
          {outcome.text}
        </Alert>
      )}
      <Card withBorder padding="lg" aria-labelledby="users-title">
        <VisuallyHidden>
          <Title order={3} id="users-title">
            All accounts
          </Title>
        </VisuallyHidden>
        <QueryStatus query={users} loading="Loading users…" failed="Users unavailable" />
        {users.data && (
          <ScrollTable label="Users" minWidth={900} keepActionsInView>
            <Table verticalSpacing="sm" striped data-testid="users-table">
              <TableHead columns={['User', 'Role', 'Status', 'Two-factor', 'Passkeys', 'Active sessions', 'Last sign-in']} actions />
              <Table.Tbody>
                {rows.map((user) => (
                  <UserRow
                    key={user.id}
                    user={user}
                    isSelf={user.id === me?.id}
                    busy={busyUserId === user.id}
                    lastAdmin={lastAdminReason(user, users.data)}
                    onAction={request}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
        )}
      </Card>

      <Modal opened={confirming !== null} onClose={() => setConfirming(null)} title={confirming ? confirmationTitle(confirming) : ''} centered>
        {confirming && (
          <Stack>
            {confirmationText(confirming, confirming.user.id === me?.id).map((line) => (
              <Text size="sm" key={line}>
                {line}
              </Text>
            ))}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setConfirming(null)} data-autofocus>
                Cancel
              </Button>
              <Button color="red" onClick={confirmed}>
                {ACTION_LABEL[confirming.kind]}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
