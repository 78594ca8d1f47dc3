// "Sign in with a passkey" under the password form: no username needed, the browser offers the
// passkeys it holds for this site (and, where supported, lists them in the username field's
// autofill too; see use-passkey-sign-in.ts). Hidden in a browser without WebAuthn.
import { Alert, Button, Divider, Stack, Text } from '@mantine/core';
import { useRef } from 'react';
import { usePasskeySignIn } from './use-passkey-sign-in.ts';

export function PasskeySignInButton() {
  const root = useRef<HTMLDivElement>(null);
  const { supported, busy, problem, secondsLeft, signIn } = usePasskeySignIn(root);
  if (!supported) return null;

  const wait = problem?.retryAfterSeconds === undefined ? '' : secondsLeft > 0 ? ` Try again in ${secondsLeft} s.` : ' You can try again now.';
  return (
    <Stack gap="sm" ref={root} data-testid="passkey-sign-in">
      <Divider label="or" labelPosition="center" />
      <Button variant="default" fullWidth leftSection={<PasskeyIcon />} onClick={signIn} loading={busy} disabled={secondsLeft > 0}>
        Sign in with a passkey
      </Button>
      <Text size="xs" c="dimmed" ta="center">
        No username or password needed: your device confirms it is you.
      </Text>
      {problem && (
        <Alert color="red" role="alert" title={problem.title} data-testid="passkey-sign-in-error">
          {problem.message}
          {wait}
        </Alert>
      )}
    </Stack>
  );
}

function PasskeyIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <circle cx="7.5" cy="15.5" r="4.5" />
      <path d="m10.7 12.3 9.3-9.3" />
      <path d="m16 7 3 3" />
      <path d="m18 5 2 2" />
    </svg>
  );
}
