// After the account is created (and signed in): the next thing worth doing is a second factor,
// so a stolen password alone is not enough.
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';

export function WelcomePanel({ username }: { username: string }) {
  return (
    <Stack gap="md" data-testid="invitation-accepted">
      <Alert color="green" role="status" title={`Welcome, ${username}`}>
        Your account is ready and you are signed in.
      </Alert>
      <Text size="sm">
        Protect it now: set up two-factor sign-in with an authenticator app, or add a passkey. Then a stolen password alone cannot open your account.
      </Text>
      <Group gap="sm">
        <Button component={Link} to="/settings/security">
          Set up two-factor or a passkey
        </Button>
        <Button component={Link} to="/overview" variant="subtle">
          Not now
        </Button>
      </Group>
    </Stack>
  );
}
