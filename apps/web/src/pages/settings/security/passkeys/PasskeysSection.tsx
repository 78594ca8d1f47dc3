// Settings → Security → Passkeys: add one (named), see each with when it was last used, rename
// it, remove it (after a confirmation). Adding and removing need a recent sign-in: the server
// answers REAUTH_REQUIRED otherwise, and useStepUp asks for the password or a passkey
// (ConfirmPasswordDialog + PasskeyStepUp) and repeats the call.
import { Alert, Badge, Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import { useState, type FormEvent } from 'react';
import { useStepUp } from '../../../../components/reauth/use-step-up.tsx';
import { trpc } from '../../../../trpc.ts';
import { describePasskeyChangeError, PASSKEY_NAME_MAX, passkeyNameProblem, type PasskeyListItem } from './passkey-errors.ts';
import { RemovePasskeyDialog, RenamePasskeyDialog } from './PasskeyDialogs.tsx';
import { PasskeysTable } from './PasskeysTable.tsx';
import { QueryStatus } from '../../../../components/QueryStatus.tsx';

type Outcome = { kind: 'done' | 'problem'; message: string } | null;

export function PasskeysSection() {
  const [supported] = useState(browserSupportsWebAuthn);
  const utils = trpc.useUtils();
  const list = trpc.passkey.list.useQuery();
  const registrationOptions = trpc.passkey.registrationOptions.useMutation();
  const register = trpc.passkey.register.useMutation();
  const remove = trpc.passkey.remove.useMutation();
  const { withStepUp, stepUpDialog } = useStepUp();

  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [renaming, setRenaming] = useState<PasskeyListItem | null>(null);
  const [confirmingRemoval, setConfirmingRemoval] = useState<PasskeyListItem | null>(null);
  const [removingId, setRemovingId] = useState<string | null>(null);

  const reload = () => void utils.passkey.list.invalidate();
  const report = (message: string | null) => {
    if (message) setOutcome({ kind: 'problem', message });
  };

  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const problem = passkeyNameProblem(name);
    setNameError(problem);
    if (problem) return;
    setOutcome(null);
    setAdding(true);
    try {
      const optionsJSON = await withStepUp(() => registrationOptions.mutateAsync(), 'Adding a passkey');
      const response = await startRegistration({ optionsJSON });
      const created = await withStepUp(() => register.mutateAsync({ response, name: name.trim() }), 'Adding a passkey');
      setName('');
      setOutcome({ kind: 'done', message: `Passkey “${created.name}” added. You can now sign in with it, without your password.` });
    } catch (err) {
      report(describePasskeyChangeError(err, 'add'));
    } finally {
      setAdding(false);
      reload();
    }
  };

  const removeConfirmed = async (passkey: PasskeyListItem) => {
    setConfirmingRemoval(null);
    setOutcome(null);
    setRemovingId(passkey.id);
    try {
      const { sessionsEnded } = await withStepUp(() => remove.mutateAsync({ id: passkey.id }), 'Removing a passkey');
      const ended = sessionsEnded === 0 ? '' : ` ${sessionsEnded === 1 ? 'The other session' : `The ${sessionsEnded} other sessions`} it signed in ended too.`;
      setOutcome({ kind: 'done', message: `Passkey “${passkey.name}” removed. It can no longer sign in to this account.${ended}` });
    } catch (err) {
      report(describePasskeyChangeError(err, 'remove'));
    } finally {
      setRemovingId(null);
      reload();
    }
  };

  const passkeys = list.data ?? [];
  return (
    <Card withBorder padding="lg" aria-labelledby="passkeys-title" data-testid="passkeys-section">
      {stepUpDialog}
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id="passkeys-title">
          Passkeys
        </Title>
        {list.data && (
          <Badge color={passkeys.length > 0 ? 'green' : 'gray'} variant="light" data-testid="passkey-count">
            {passkeys.length === 0 ? 'None' : passkeys.length === 1 ? '1 passkey' : `${passkeys.length} passkeys`}
          </Badge>
        )}
      </Group>
      <Text size="sm" c="dimmed" mb="md">
        Sign in without a password or code: your device’s fingerprint, face or screen lock, or a security key, confirms it is you.
      </Text>
      <Stack gap="md">
        {outcome?.kind === 'problem' && (
          <Alert color="red" role="alert" withCloseButton closeButtonLabel="Dismiss" onClose={() => setOutcome(null)} data-testid="passkeys-error">
            {outcome.message}
          </Alert>
        )}
        {outcome?.kind === 'done' && (
          <Alert color="green" role="status" withCloseButton closeButtonLabel="Dismiss" onClose={() => setOutcome(null)} data-testid="passkeys-notice">
            {outcome.message}
          </Alert>
        )}

        {list.isPending || list.isError ? (
          <QueryStatus query={list} loading="Loading passkeys…" failed="Could not load your passkeys" />
        ) : passkeys.length > 0 ? (
          <PasskeysTable passkeys={passkeys} removingId={removingId} onRename={setRenaming} onRemove={setConfirmingRemoval} />
        ) : (
          <Text size="sm" data-testid="passkeys-empty">
            No passkeys yet. Add one to sign in with this device instead of your password and code.
          </Text>
        )}

        {supported ? (
          <form onSubmit={(e) => void add(e)} noValidate>
            <Stack gap="sm" align="flex-start">
              <TextInput
                label="Passkey name"
                description="So you can tell your passkeys apart, e.g. “Work laptop” or “YubiKey”."
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={nameError}
                maxLength={PASSKEY_NAME_MAX}
                autoComplete="off"
                w="100%"
                maw={420}
              />
              <Button type="submit" loading={adding}>
                Add a passkey
              </Button>
            </Stack>
          </form>
        ) : (
          <Alert color="yellow" title="Passkeys are not available in this browser">
            Open this page in a browser that supports passkeys (WebAuthn) to add one.
          </Alert>
        )}
      </Stack>

      <RenamePasskeyDialog
        passkey={renaming}
        onClose={() => setRenaming(null)}
        onRenamed={(newName) => {
          setRenaming(null);
          setOutcome({ kind: 'done', message: `Passkey renamed to “${newName}”.` });
          reload();
        }}
        onGone={(message) => {
          setRenaming(null);
          report(message);
          reload();
        }}
      />
      <RemovePasskeyDialog passkey={confirmingRemoval} onClose={() => setConfirmingRemoval(null)} onConfirm={(p) => void removeConfirmed(p)} />
    </Card>
  );
}
