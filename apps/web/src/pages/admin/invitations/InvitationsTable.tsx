// Every invitation, newest first: what it grants, to whom, its state and who did what when.
// A pending one can be revoked (confirmed first): its link stops working at once.
import { Alert, Badge, Button, Card, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import type { InvitationStatus } from '@jutsu/shared';
import { useState } from 'react';
import { describeApiError } from '../../../lib/api-errors.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { trpc } from '../../../trpc.ts';
import { ROLE_COLOR, ROLE_LABEL } from '../roles.ts';
import type { InvitationSummary } from './types.ts';
import { QueryStatus } from '../../../components/QueryStatus.tsx';
import { TableHead } from '../../../components/TableHead.tsx';
import { ScrollTable } from '../../../components/ScrollTable.tsx';

// Acceptances happen elsewhere; a slow refresh keeps the states honest without a reload.
const REFRESH_MS = 30_000;

const STATUS: Record<InvitationStatus, { label: string; color: string }> = {
  pending: { label: 'Pending', color: 'blue' },
  accepted: { label: 'Accepted', color: 'green' },
  expired: { label: 'Expired', color: 'gray' },
  revoked: { label: 'Revoked', color: 'red' },
};

function createdBy(inv: InvitationSummary): string {
  if (inv.isBootstrap) return 'the server (first start)';
  return inv.createdBy?.username ?? 'a removed user';
}

function outcome(inv: InvitationSummary): string {
  switch (inv.status) {
    case 'accepted':
      return `by ${inv.acceptedBy?.username ?? 'a removed user'}${inv.acceptedAt ? `, ${formatDateTime(inv.acceptedAt)}` : ''}`;
    case 'revoked':
      return `by ${inv.revokedBy?.username ?? (inv.isBootstrap ? 'the server' : 'a removed user')}${inv.revokedAt ? `, ${formatDateTime(inv.revokedAt)}` : ''}`;
    case 'expired':
      return `at ${formatDateTime(inv.expiresAt)}`;
    case 'pending':
      return `valid until ${formatDateTime(inv.expiresAt)}`;
  }
}

export function InvitationsTable() {
  const utils = trpc.useUtils();
  const list = trpc.invitation.list.useQuery(undefined, { refetchInterval: REFRESH_MS });
  const revoke = trpc.invitation.revoke.useMutation({ onSettled: () => void utils.invitation.list.invalidate() });
  const [confirming, setConfirming] = useState<InvitationSummary | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const revokeConfirmed = () => {
    if (!confirming) return;
    const inv = confirming;
    setConfirming(null);
    setNotice(null);
    revoke.mutate({ id: inv.id }, { onSuccess: () => setNotice(`The ${ROLE_LABEL[inv.role].toLowerCase()} invitation was revoked; its link no longer works.`) });
  };

  return (
    <Card withBorder padding="lg" aria-labelledby="invitations-title">
      <Title order={3} size="h4" id="invitations-title" mb="md">
        All invitations
      </Title>
      <Stack gap="md">
        {notice && (
          <Alert color="green" role="status">
            {notice}
          </Alert>
        )}
        {revoke.error && (
          <Alert color="red" role="alert" title="Invitation not revoked">
            {describeApiError(revoke.error)}
          </Alert>
        )}
        <QueryStatus query={list} loading="Loading invitations…" failed="Invitations unavailable" />
        {list.data?.length === 0 && <Text c="dimmed">No invitations yet.</Text>}
        {list.data && list.data.length > 0 && (
          <ScrollTable label="Invitations" minWidth={820} keepActionsInView>
            <Table verticalSpacing="sm" striped data-testid="invitations-table">
              <TableHead columns={['Role', 'For', 'Created', 'Status']} actions />
              <Table.Tbody>
                {list.data.map((inv) => {
                  const describedBy = `invitation-${inv.id}`;
                  return (
                    <Table.Tr key={inv.id} data-testid="invitation-row" data-status={inv.status}>
                      <Table.Td>
                        <Group gap={6} wrap="nowrap">
                          <Badge color={ROLE_COLOR[inv.role]} variant="light">
                            {ROLE_LABEL[inv.role]}
                          </Badge>
                          {inv.isBootstrap && (
                            <Text size="xs" c="dimmed">
                              first admin
                            </Text>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" id={describedBy}>
                          {inv.email ?? 'Anyone with the link'}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{formatDateTime(inv.createdAt)}</Text>
                        <Text size="xs" c="dimmed">
                          by {createdBy(inv)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={8} wrap="nowrap" align="baseline">
                          <Badge color={STATUS[inv.status].color} variant={inv.status === 'pending' ? 'filled' : 'light'} miw={80}>
                            {STATUS[inv.status].label}
                          </Badge>
                          <Text size="xs" c="dimmed">
                            {outcome(inv)}
                          </Text>
                        </Group>
                      </Table.Td>
                      <Table.Td ta="right">
                        {inv.status === 'pending' && (
                          <Button
                            size="xs"
                            variant="light"
                            color="red"
                            onClick={() => setConfirming(inv)}
                            loading={revoke.isPending && revoke.variables?.id === inv.id}
                            aria-describedby={describedBy}
                          >
                            Revoke
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </ScrollTable>
        )}
      </Stack>

      <Modal opened={confirming !== null} onClose={() => setConfirming(null)} title="Revoke this invitation?" centered>
        {confirming && (
          <Stack>
            <Text size="sm">
              The {ROLE_LABEL[confirming.role].toLowerCase()} invitation for {confirming.email ?? 'anyone with the link'}, created{' '}
              {formatDateTime(confirming.createdAt)} by {createdBy(confirming)}, stops working at once. This cannot be undone; create a new invitation if
              needed.
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setConfirming(null)} data-autofocus>
                Cancel
              </Button>
              <Button color="red" onClick={revokeConfirmed}>
                Revoke invitation
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Card>
  );
}
