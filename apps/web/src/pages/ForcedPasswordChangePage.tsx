// Shown instead of every screen while the account must choose a new password (an admin asked
// for it, or someone reported a sign-in as not theirs). The server refuses everything else
// for this account until then, so there is nothing else to show.
import { Alert, Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { signOut } from '../auth/session.ts';
import type { SignedInUser } from '../auth/signed-in-user.ts';
import { LazyChangePasswordForm } from '../components/password/LazyChangePasswordForm.tsx';

export function ForcedPasswordChangePage({ user }: { user: SignedInUser }) {
  return (
    <Center py="xl">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={520} data-testid="forced-password-change">
        <Stack gap="md">
          <Title order={2}>Choose a new password</Title>
          <Alert color="yellow" role="status">
            Before you continue, this account needs a new password. Every other session of the account will be signed out.
          </Alert>
          <Text size="sm">
            Signed in as <strong>{user.username}</strong>.
          </Text>
          <LazyChangePasswordForm username={user.username} hasSecondFactor={user.twoFactorEnabled} />
          <Button variant="subtle" onClick={() => void signOut()} style={{ alignSelf: 'flex-start' }}>
            Sign out
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
