// The two confirmations of the Passkeys section: a new name, and "remove this passkey?".
import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { errorReasonOf } from '../../../../lib/api-errors.ts';
import { trpc } from '../../../../trpc.ts';
import { describePasskeyChangeError, PASSKEY_NAME_MAX, passkeyNameProblem, type PasskeyListItem } from './passkey-errors.ts';
import { FormActions } from '../../../../components/FormActions.tsx';

interface RenameProps {
  passkey: PasskeyListItem | null;
  onClose: () => void;
  onRenamed: (name: string) => void;
  /** The passkey is gone (removed elsewhere): the section reports it and reloads the list. */
  onGone: (message: string) => void;
}

export function RenamePasskeyDialog({ passkey, onClose, onRenamed, onGone }: RenameProps) {
  return (
    <Modal opened={passkey !== null} onClose={onClose} title="Rename passkey" centered>
      {/* Mounted only while open: every opening starts from the current name. */}
      {passkey && <RenameForm passkey={passkey} onClose={onClose} onRenamed={onRenamed} onGone={onGone} />}
    </Modal>
  );
}

function RenameForm({ passkey, onClose, onRenamed, onGone }: RenameProps & { passkey: PasskeyListItem }) {
  const [name, setName] = useState(passkey.name);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const rename = trpc.passkey.rename.useMutation();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const problem = passkeyNameProblem(name);
    setFieldError(problem);
    if (problem) return;
    setError(null);
    rename.mutate(
      { id: passkey.id, name: name.trim() },
      {
        onSuccess: (result) => onRenamed(result.name),
        onError: (err) => {
          const message = describePasskeyChangeError(err, 'rename');
          if (message && errorReasonOf(err) === 'PASSKEY_NOT_FOUND') onGone(message);
          else setError(message);
        },
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput
          label="New name"
          description={`Currently “${passkey.name}”.`}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldError}
          maxLength={PASSKEY_NAME_MAX}
          autoComplete="off"
          data-autofocus
        />
        <FormActions error={error} onCancel={onClose} submitLabel="Save name" pending={rename.isPending} />
      </Stack>
    </form>
  );
}

interface RemoveProps {
  passkey: PasskeyListItem | null;
  onClose: () => void;
  onConfirm: (passkey: PasskeyListItem) => void;
}

export function RemovePasskeyDialog({ passkey, onClose, onConfirm }: RemoveProps) {
  return (
    <Modal opened={passkey !== null} onClose={onClose} title="Remove this passkey?" centered>
      {passkey && (
        <Stack>
          <Text size="sm">
            <strong>{passkey.name}</strong> will no longer sign you in to this account, and other sessions it signed in end now.
          </Text>
          <Text size="sm" c="dimmed">
            Your device or password manager may still list it. Delete it there too, so it is not offered any more.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose} data-autofocus>
              Cancel
            </Button>
            <Button color="red" onClick={() => onConfirm(passkey)}>
              Remove passkey
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
