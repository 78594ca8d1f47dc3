import { describe, expect, it } from 'vitest';
import { groupedNavItems, NAV_ITEMS, publicNavItems, signedInNavItems, type NavItem } from './navigation.ts';

const labels = (items: NavItem[]) => items.map((item) => item.label);
const DASHBOARD = ['Overview', 'Positions', 'Trades', 'Performance'];
const ENGINE = ['Engine', 'Orders', 'Configuration', 'Schedules'];
const SETTINGS = ['Settings', 'Server status'];

describe('navigation', () => {
  it('shows public entries to everyone', () => {
    expect(labels(publicNavItems())).toEqual(['Status']);
  });

  it('puts the dashboard first for every role and the admin screens for admins only', () => {
    expect(labels(signedInNavItems('admin'))).toEqual([...DASHBOARD, ...ENGINE, 'Users', 'Invitations', 'Security log', 'Schwab', ...SETTINGS]);
    expect(labels(signedInNavItems('trader'))).toEqual([...DASHBOARD, ...ENGINE, ...SETTINGS]);
    expect(labels(signedInNavItems('viewer'))).toEqual([...DASHBOARD, ...ENGINE, ...SETTINGS]);
    expect(signedInNavItems(null)).toEqual([]);
  });

  it('groups entries as Dashboard, Engine, Admin, Settings and leaves out empty groups', () => {
    const admin = groupedNavItems('admin');
    expect(admin.map((g) => g.label)).toEqual(['Dashboard', 'Engine', 'Admin', 'Settings']);
    expect(labels(admin[0]!.items)).toEqual(DASHBOARD);
    expect(labels(admin[1]!.items)).toEqual(ENGINE);
    expect(labels(admin[2]!.items)).toEqual(['Users', 'Invitations', 'Security log', 'Schwab']);
    expect(groupedNavItems('viewer').map((g) => g.label)).toEqual(['Dashboard', 'Engine', 'Settings']);
    expect(groupedNavItems(null)).toEqual([]);
  });

  it('files an admin entry without a group under Admin', () => {
    const extra: NavItem = { label: 'Schwab', to: '/admin/schwab', roles: ['admin'] };
    expect(labels(groupedNavItems('admin', [...NAV_ITEMS, extra])[2]!.items)).toContain('Schwab');
  });

  it('never lists an entry both as public and signed-in', () => {
    const both = publicNavItems(NAV_ITEMS).filter((item) => signedInNavItems('admin', NAV_ITEMS).includes(item));
    expect(both).toEqual([]);
  });
});
