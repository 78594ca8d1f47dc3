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
  onAction: (action: UserAction) => void;
}

export function UserRow({ user, isSelf, busy, onAction }: UserRowProps) {
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
          data={ROLE_OPTIONS}
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
            {menu.map((action) => (
              <Menu.Item key={action.kind} color={action.kind === 'enable' || action.kind === 'unlock' ? undefined : 'red'} onClick={() => onAction(action)}>
                {ACTION_LABEL[action.kind]}
                {action.kind === 'enable' || action.kind === 'unlock' ? '' : '…'}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
      </Table.Td>
    </Table.Tr>
  );
}
