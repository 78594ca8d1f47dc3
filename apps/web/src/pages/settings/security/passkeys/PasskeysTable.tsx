// The account's passkeys: name, whether it syncs, when it was added and last used, and the
// per-passkey actions.
import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { formatDateTime } from '../../../../lib/format.ts';
import type { PasskeyListItem } from './passkey-errors.ts';
import { TableHead } from '../../../../components/TableHead.tsx';
import { ScrollTable } from '../../../../components/ScrollTable.tsx';

interface Props {
  passkeys: PasskeyListItem[];
  /** The passkey whose removal is under way (its button shows progress). */
  removingId: string | null;
  onRename: (passkey: PasskeyListItem) => void;
  onRemove: (passkey: PasskeyListItem) => void;
}

/** Where the passkey lives, as the authenticator reported it. */
function storageLabel(p: PasskeyListItem): string {
  if (p.backedUp) return 'Synced';
  return p.deviceType === 'multiDevice' ? 'Not synced yet' : 'Only on this device';
}

function storageHint(p: PasskeyListItem): string {
  if (p.backedUp) return 'Saved in a password manager or platform account, so your other devices can use it too.';
  return p.deviceType === 'multiDevice' ? 'Can sync to your other devices once it is backed up.' : 'Stays on the one device or security key that made it; lose that and this passkey is gone.';
}

export function PasskeysTable({ passkeys, removingId, onRename, onRemove }: Props) {
  return (
    <ScrollTable label="Passkeys" minWidth={600}>
      <Table verticalSpacing="sm" data-testid="passkeys-table">
        <TableHead columns={['Name', 'Added', 'Last used']} actions />
        <Table.Tbody>
          {passkeys.map((p) => (
            <Table.Tr key={p.id} data-testid="passkey-row">
              <Table.Td>
                <Stack gap={2}>
                  <Text size="sm" fw={500}>
                    {p.name}
                  </Text>
                  <Group gap={4}>
                    <Badge size="xs" variant="light" color={p.backedUp ? 'teal' : 'gray'} title={storageHint(p)}>
                      {storageLabel(p)}
                    </Badge>
                  </Group>
                </Stack>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{formatDateTime(new Date(p.createdAt))}</Text>
              </Table.Td>
              <Table.Td data-testid="passkey-last-used">
                <Text size="sm" c={p.lastUsedAt ? undefined : 'dimmed'}>
                  {p.lastUsedAt ? formatDateTime(new Date(p.lastUsedAt)) : 'Not used yet'}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap="xs" justify="flex-end" wrap="nowrap">
                  <Button size="xs" variant="default" onClick={() => onRename(p)} aria-label={`Rename ${p.name}`}>
                    Rename
                  </Button>
                  <Button size="xs" variant="light" color="red" onClick={() => onRemove(p)} loading={removingId === p.id} aria-label={`Remove ${p.name}`}>
                    Remove
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}
