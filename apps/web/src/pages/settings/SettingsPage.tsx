// /settings: one tab per area of the account; each tab is a child route (/settings/security,
// /settings/status).
import { Stack, Tabs, Title } from '@mantine/core';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';

export const SETTINGS_TABS = [
  { value: 'security', label: 'Security' },
  { value: 'status', label: 'Server status' },
] as const;

export function SettingsPage() {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const active = SETTINGS_TABS.find((tab) => pathname.startsWith(`/settings/${tab.value}`))?.value ?? SETTINGS_TABS[0].value;

  return (
    <Stack gap="lg">
      <Title order={2}>Settings</Title>
      <Tabs value={active} onChange={(value) => value && navigate(`/settings/${value}`)} keepMounted={false}>
        <Tabs.List>
          {SETTINGS_TABS.map((tab) => (
            <Tabs.Tab key={tab.value} value={tab.value}>
              {tab.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {SETTINGS_TABS.map((tab) => (
          <Tabs.Panel key={tab.value} value={tab.value} pt="lg">
            <Outlet />
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
