// Shown only while password sign-in of this account is locked. After too many failed attempts
// the owner, signed in with a passkey, can lift it here; after a "this wasn't me" report only
// the mailed link (or an admin) can.
import { Alert, Button, Stack, Text } from '@mantine/core';
import { useStepUp } from '../../../components/reauth/use-step-up.tsx';
import { describeApiError } from '../../../lib/api-errors.ts';
import { trpc } from '../../../trpc.ts';

export function PasswordLockCard() {
  const me = trpc.auth.me.useQuery();
  const unlock = trpc.auth.unlockPasswordSignIn.useMutation({ onSuccess: () => void me.refetch() });
  const { withStepUp, stepUpDialog } = useStepUp();
  const lock = me.data?.passwordLock;
  if (!lock) return null;
  return (
    <Alert color="orange" title="Password sign-in is locked" role="region" aria-label="Password sign-in is locked">
      {lock.reason === 'not_me' ? (
        <Text size="sm">You reported a sign-in that was not yours. Set a new password with the link from that email, or ask an administrator.</Text>
      ) : (
        <Stack gap="xs">
          <Text size="sm">
            Someone tried too many wrong passwords for this account, so signing in with the password is locked. Your passkeys still work. If you signed
            in with a passkey, you can unlock it now.
          </Text>
          {unlock.isError && <Text size="sm" c="red">{describeApiError(unlock.error)}</Text>}
          <Button size="xs" onClick={() => void withStepUp(() => unlock.mutateAsync(), 'unlock password sign-in').catch(() => undefined)} loading={unlock.isPending} style={{ alignSelf: 'flex-start' }}>
            Unlock password sign-in
          </Button>
        </Stack>
      )}
      {stepUpDialog}
    </Alert>
  );
}
