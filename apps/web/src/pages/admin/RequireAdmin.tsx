// The admin screens, for admins only. The server refuses every admin procedure to other roles
// anyway (that is the real guard); this only says so plainly instead of showing a broken page,
// and makes no admin call at all for another role.
import { Alert, Button, Stack, Text, Title } from '@mantine/core';
import { Link, Outlet } from 'react-router-dom';
import { useSignedInUser } from '../../auth/signed-in-user.ts';
import { ROLE_LABEL } from './roles.ts';

export function RequireAdmin() {
  const user = useSignedInUser();
  // RequireSignedIn (the parent route) has already waited for the session.
  if (user?.role === 'admin') return <Outlet />;
  return (
    <Stack gap="md" align="flex-start" data-testid="not-allowed">
      <Title order={2}>Not allowed</Title>
      <Alert color="red" role="alert" title="This page is for administrators">
        <Text size="sm">
          You are signed in as {user?.username ?? 'someone else'}
          {user ? ` (${ROLE_LABEL[user.role]})` : ''}, which is not allowed to manage users, invitations or the security log. Ask an administrator if
          you need this.
        </Text>
      </Alert>
      <Button component={Link} to="/" variant="light">
        Go to the start page
      </Button>
    </Stack>
  );
}
