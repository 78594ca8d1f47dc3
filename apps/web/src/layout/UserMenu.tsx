// The signed-in person's menu in the header: who is signed in, Settings, Sign out.
import { Button, Menu } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { signOut } from '../auth/session.ts';
import type { SignedInUser } from '../auth/signed-in-user.ts';

export function UserMenu({ user }: { user: SignedInUser }) {
  const [signingOut, setSigningOut] = useState(false);
  const signOutHere = () => {
    setSigningOut(true);
    // The session watcher moves to the login page once the session has ended.
    void signOut().finally(() => setSigningOut(false));
  };

  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button variant="default" loading={signingOut} aria-label={`Account menu for ${user.username}`} rightSection={<ChevronIcon />}>
          {user.username}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Signed in as {user.username}</Menu.Label>
        <Menu.Item component={Link} to="/settings/security">
          Settings
        </Menu.Item>
        <Menu.Divider />
        {/* `c` too: Menu.Item's own colour is shade 6, below AA on white. */}
        <Menu.Item color="red" c="red" onClick={signOutHere}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

function ChevronIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
      <path d="m6 9 6 6 6-6" />
    </svg>
  );
}
