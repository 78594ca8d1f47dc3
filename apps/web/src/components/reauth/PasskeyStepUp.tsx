// "Use a passkey instead" inside ConfirmPasswordDialog: step-up with one of the account's own
// passkeys (passkey.reauthenticationOptions -> the browser's prompt -> passkey.reauthenticate),
// which renews this session's proof of presence exactly like the password does. Shown only
// when the browser can use passkeys and the account has at least one.
import { Alert, Button, Divider, Stack } from '@mantine/core';
import { browserSupportsWebAuthn, startAuthentication } from '@simplewebauthn/browser';
import { useEffect, useRef, useState } from 'react';
import { describeApiError, errorReasonOf, retryAfterOf } from '../../lib/api-errors.ts';
import { trpc } from '../../trpc.ts';
import { browserPasskeyOutcome, cancelPasskeyPrompt } from './passkey-prompt.ts';

function refusalMessage(error: unknown): string | null {
  const browser = browserPasskeyOutcome(error, 'confirmation');
  if (browser) return browser.kind === 'aborted' ? null : browser.message;
  switch (errorReasonOf(error)) {
    case 'PASSKEY_INVALID':
      return 'That passkey could not be verified for this account. Use another one, or your password.';
    case 'PASSKEY_NOT_FOUND':
      return 'This account has no passkey any more. Use your password.';
    case 'CHALLENGE_INVALID':
      return 'The passkey request expired. Try again.';
    case 'RATE_LIMITED':
      return `Too many attempts. Try again in ${retryAfterOf(error) ?? 60} s.`;
    default:
      return describeApiError(error);
  }
}

export function PasskeyStepUp({ onConfirmed }: { onConfirmed: () => void }) {
  const [supported] = useState(browserSupportsWebAuthn);
  const passkeys = trpc.passkey.list.useQuery(undefined, { enabled: supported });
  const client = trpc.useUtils().client;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const prompting = useRef(false);

  // The dialog closes (cancelled, or confirmed with the password): close the prompt with it.
  useEffect(
    () => () => {
      if (prompting.current) cancelPasskeyPrompt();
      prompting.current = false;
    },
    [],
  );

  if (!supported || !passkeys.data?.length) return null;

  const confirm = async () => {
    setError(null);
    setBusy(true);
    try {
      const optionsJSON = await client.passkey.reauthenticationOptions.mutate();
      prompting.current = true;
      const response = await startAuthentication({ optionsJSON });
      prompting.current = false;
      await client.passkey.reauthenticate.mutate({ response });
      onConfirmed();
    } catch (err) {
      prompting.current = false;
      setError(refusalMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="xs" data-testid="passkey-step-up">
      <Divider label="or" labelPosition="center" />
      <Button type="button" variant="default" onClick={() => void confirm()} loading={busy}>
        Use a passkey instead
      </Button>
      {error && (
        <Alert color="red" role="alert" data-testid="passkey-step-up-error">
          {error}
        </Alert>
      )}
    </Stack>
  );
}
