// Naming a session ("Work laptop") so identical browsers can be told apart. Empty removes the name.
import { Alert, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { SESSION_NAME_MAX } from '@jutsu/shared';
import { useState } from 'react';
import { describeApiError } from '../../../lib/api-errors.ts';
import { trpc } from '../../../trpc.ts';
import type { SessionSummary } from './SessionRow.tsx';

interface Props {
  session: SessionSummary | null;
  onClose: () => void;
}

export function RenameSessionDialog({ session, onClose }: Props) {
  const utils = trpc.useUtils();
  // The card mounts one dialog per session being named (key), so this starts from its name.
  const [name, setName] = useState(session?.name ?? '');
  const rename = trpc.auth.renameSession.useMutation({
    onSuccess: () => {
      void utils.auth.sessions.invalidate();
      onClose();
    },
  });

  return (
    <Modal opened={session !== null} onClose={onClose} title="Name this session" centered>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (session) rename.mutate({ id: session.id, name });
        }}
      >
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            {session?.device}. A name such as “Work laptop” tells this session apart from others in the same browser. Leave it empty to remove the name.
          </Text>
          <TextInput label="Session name" value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={SESSION_NAME_MAX} data-autofocus />
          {rename.error && (
            <Alert color="red" title="Could not name the session">
              {describeApiError(rename.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={rename.isPending}>
              Save name
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
