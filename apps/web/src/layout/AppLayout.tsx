// The frame around every screen: header (product name, account menu, theme toggle), navigation,
// and the current route in the main area. Navigation entries come from NAV_ITEMS (navigation.ts).
// While the account must choose a new password, that screen replaces every route.
import { Anchor, AppShell, Burger, Button, Group, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useSignedInUser } from '../auth/signed-in-user.ts';
import { ColorSchemeToggle } from '../components/ColorSchemeToggle.tsx';
import { ErrorBoundary } from '../components/ErrorBoundary.tsx';
import { ForcedPasswordChangePage } from '../pages/ForcedPasswordChangePage.tsx';
import { NavSection } from './NavSection.tsx';
import { publicNavItems, signedInNavItems } from './navigation.ts';
import { UserMenu } from './UserMenu.tsx';

export function AppLayout() {
  const [navOpened, nav] = useDisclosure(false);
  const { pathname } = useLocation();
  const user = useSignedInUser();

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !navOpened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={navOpened} onClick={nav.toggle} hiddenFrom="sm" size="sm" aria-label={navOpened ? 'Close navigation' : 'Open navigation'} />
            <Title order={1} size="h3">
              <Anchor component={Link} to="/" c="inherit" underline="never" inherit>
                Jutsu Labs
              </Anchor>
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {user ? (
              <UserMenu user={user} />
            ) : (
              pathname !== '/login' && (
                <Button component={Link} to="/login" variant="default">
                  Sign in
                </Button>
              )
            )}
            <ColorSchemeToggle />
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          <NavSection items={publicNavItems()} pathname={pathname} onNavigate={nav.close} />
        </AppShell.Section>
        {/* Signed-in area: kept apart from the public entries and only rendered for a signed-in user. */}
        {user && !user.mustChangePassword && (
          <AppShell.Section data-testid="signed-in-nav">
            <Text size="xs" c="dimmed" tt="uppercase" fw={700} px="sm" pt="sm">
              Signed in as {user.username}
            </Text>
            <NavSection items={signedInNavItems(user.role)} pathname={pathname} onNavigate={nav.close} />
          </AppShell.Section>
        )}
      </AppShell.Navbar>

      <AppShell.Main>
        {/* Keyed by the path so a crash on one screen clears when the user navigates away. */}
        <ErrorBoundary resetKey={pathname}>{user?.mustChangePassword ? <ForcedPasswordChangePage user={user} /> : <Outlet />}</ErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
