// One account in Admin → Users: who, role (changeable), state, sign-in methods, last sign-in,
// and a menu of what an admin can do to it.
import { Badge, Button, Group, Menu, Select, Table, Text, Tooltip } from '@mantine/core';
import { formatDateTime } from '../../../lib/format.ts';
import { isRole, ROLE_OPTIONS } from '../roles.ts';
import { ACTION_LABEL, type UserAction, type UserSummary } from './user-actions.ts';

interface UserRowProps {
  user: UserSummary;
  isSelf: boolean;
  busy: boolean;
  /** Why disabling or demoting this account is not offered (the only active admin); null when it is. */
  lastAdmin: string | null;
  onAction: (action: UserAction) => void;
}

export function UserRow({ user, isSelf, busy, lastAdmin, onAction }: UserRowProps) {
  const nameId = `user-${user.id}-name`;
  const menu: UserAction[] = [
    user.disabledAt ? { kind: 'enable', user } : { kind: 'disable', user },
    ...(user.lockedAt ? [{ kind: 'unlock', user } as const] : []),
    { kind: 'revokeSessions', user },
    ...(user.twoFactorEnabled ? [{ kind: 'resetTwoFactor', user } as const] : []),
  ];

  return (
    <Table.Tr data-testid="user-row" data-username={user.username}>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <Text fw={600} size="sm" id={nameId}>
            {user.username}
          </Text>
          {isSelf && (
            <Badge size="xs" variant="outline">
              you
            </Badge>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          {user.email ?? 'no email'}
        </Text>
      </Table.Td>
      <Table.Td>
        <Select
          aria-label={`Role of ${user.username}`}
          data={lastAdmin ? ROLE_OPTIONS.map((o) => ({ ...o, disabled: o.value !== 'admin' })) : ROLE_OPTIONS}
          title={lastAdmin ?? undefined}
          value={user.role}
          allowDeselect={false}
          size="xs"
          w={110}
          disabled={busy}
          onChange={(value) => {
            if (isRole(value) && value !== user.role) onAction({ kind: 'setRole', user, role: value });
          }}
        />
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          {user.disabledAt ? (
            <Tooltip label={`Disabled ${formatDateTime(user.disabledAt)}`}>
              <Badge color="red">Disabled</Badge>
            </Tooltip>
          ) : (
            <Badge color="green" variant="light">
              Active
            </Badge>
          )}
          {user.lockedAt && (
            <Tooltip label={user.lockedReason ?? 'Too many failed sign-ins'}>
              <Badge color="orange">Locked</Badge>
            </Tooltip>
          )}
          {user.mustChangePassword && (
            <Badge color="yellow" variant="light">
              Must change password
            </Badge>
          )}
        </Group>
      </Table.Td>
      <Table.Td>
        {/* Off with no passkey either: a password alone opens this account. */}
        <Badge color={user.twoFactorEnabled ? 'green' : user.passkeys > 0 ? 'gray' : 'orange'} variant="light">
          {user.twoFactorEnabled ? 'On' : 'Off'}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{user.passkeys === 0 ? 'None' : user.passkeys}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{user.activeSessions}</Text>
      </Table.Td>
      <Table.Td>
        {user.lastLoginAt ? (
          <>
            <Text size="sm">{formatDateTime(user.lastLoginAt)}</Text>
            {user.lastLoginIp && (
              <Text size="xs" c="dimmed" ff="monospace">
                {user.lastLoginIp}
              </Text>
            )}
          </>
        ) : (
          <Text size="sm" c="dimmed">
            Never
          </Text>
        )}
      </Table.Td>
      <Table.Td ta="right">
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <Button size="xs" variant="light" loading={busy} aria-label={`Actions for ${user.username}`} aria-describedby={nameId}>
              Actions
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>{user.username}</Menu.Label>
            {menu.map((action) => {
              const harmless = action.kind === 'enable' || action.kind === 'unlock';
              const blocked = action.kind === 'disable' ? lastAdmin : null;
              // Not offered at all, and the menu says why (a disabled first item would leave the
              // keyboard focus outside the menu, where Escape no longer closes it).
              if (blocked) {
                return (
                  <Text key={action.kind} size="xs" c="dimmed" maw={260} px="sm" py={4} style={{ whiteSpace: 'normal' }} data-testid="user-action-disable-blocked">
                    {blocked}
                  </Text>
                );
              }
              // `c` as well as `color`: Menu.Item draws a theme colour at its fixed shade 6, below AA on white.
              return (
                <Menu.Item key={action.kind} color={harmless ? undefined : 'red'} c={harmless ? undefined : 'red'} onClick={() => onAction(action)} data-testid={`user-action-${action.kind}`}>
                  {ACTION_LABEL[action.kind]}
                  {harmless ? '' : '…'}
                </Menu.Item>
              );
            })}
          </Menu.Dropdown>
        </Menu>
      </Table.Td>
    </Table.Tr>
  );
}
