// The frame around every screen: header (product name, theme toggle), navigation, and the
// current route in the main area. Navigation entries come from NAV_ITEMS (navigation.ts).
import { Anchor, AppShell, Burger, Group, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useSignedInUser } from '../auth/signed-in-user.ts';
import { ColorSchemeToggle } from '../components/ColorSchemeToggle.tsx';
import { ErrorBoundary } from '../components/ErrorBoundary.tsx';
import { NavSection } from './NavSection.tsx';
import { publicNavItems, signedInNavItems } from './navigation.ts';

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
            {/* The account menu (user name, sign out) goes here once sign-in exists. */}
            <ColorSchemeToggle />
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          <NavSection items={publicNavItems()} pathname={pathname} onNavigate={nav.close} />
        </AppShell.Section>
        {/* Signed-in area: kept apart from the public entries and only rendered for a signed-in user. */}
        {user && (
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
        <ErrorBoundary resetKey={pathname}>
          <Outlet />
        </ErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
