// The frame around every screen: header (product name, account menu, theme toggle), navigation,
// and the current route in the main area. Navigation entries come from NAV_ITEMS (navigation.ts).
// While the account must choose a new password, that screen replaces every route.
import { Anchor, AppShell, Burger, Button, Group, Text, Title } from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { lazy, Suspense } from 'react';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useSignedInUser } from '../auth/signed-in-user.ts';
import { ColorSchemeToggle } from '../components/ColorSchemeToggle.tsx';
import { ErrorBoundary } from '../components/ErrorBoundary.tsx';
import { LiveDashboardUpdates } from '../live/LiveDashboardUpdates.tsx';
import { ForcedPasswordChangePage } from '../pages/ForcedPasswordChangePage.tsx';
import secondary from '../components/secondary-text.module.css';
import { NavSection } from './NavSection.tsx';
import { DemoBanner } from './DemoBanner.tsx';
import { SchwabBanner } from './SchwabBanner.tsx';
import { MAIN_ID, SkipLink } from './SkipLink.tsx';
import { groupedNavItems, publicNavItems } from './navigation.ts';
import navbar from './navbar.module.css';

// Only a signed-in person has the menu (and its popover library): not part of the login route.
const UserMenu = lazy(async () => ({ default: (await import('./UserMenu.tsx')).UserMenu }));

export function AppLayout() {
  const [navOpened, nav] = useDisclosure(false);
  const { pathname } = useLocation();
  const user = useSignedInUser();
  const signedInArea = user !== null && !user.mustChangePassword;
  // Below the "sm" breakpoint the navigation is a drawer; closed, it is off-screen and must
  // not take the keyboard focus either.
  const phone = useMediaQuery('(max-width: 47.99em)') ?? false;

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !navOpened } }} padding="md">
      <SkipLink />
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
              <Suspense
                fallback={
                  <Button variant="default" disabled aria-label={`Account menu for ${user.username}`}>
                    {user.username}
                  </Button>
                }
              >
                <UserMenu user={user} />
              </Suspense>
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

      <AppShell.Navbar p="xs" aria-label="Main navigation" inert={phone && !navOpened}>
        <AppShell.Section grow className={navbar.scroll}>
          {/* Signed-in area by group (Dashboard, Admin, Settings); the public entries otherwise. */}
          {signedInArea ? (
            <div data-testid="signed-in-nav">
              <Text size="xs" className={secondary.secondary} px="sm" pb="xs">
                Signed in as {user.username}
              </Text>
              {groupedNavItems(user.role).map((group) => (
                <NavSection key={group.id} heading={group.label} items={group.items} pathname={pathname} onNavigate={nav.close} />
              ))}
            </div>
          ) : (
            <NavSection items={publicNavItems()} pathname={pathname} onNavigate={nav.close} />
          )}
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main id={MAIN_ID} tabIndex={-1}>
        <DemoBanner />
        {signedInArea && <LiveDashboardUpdates />}
        {signedInArea && user.role === 'admin' && <SchwabBanner />}
        {/* Keyed by the path so a crash on one screen clears when the user navigates away. */}
        <ErrorBoundary resetKey={pathname}>{user?.mustChangePassword ? <ForcedPasswordChangePage user={user} /> : <Outlet />}</ErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
