// A list of navigation links; the one matching the current path is marked active (and
// aria-current="page" for screen readers).
import { NavLink, Text } from '@mantine/core';
import secondary from '../components/secondary-text.module.css';
import { useId } from 'react';
import { Link } from 'react-router-dom';
import type { NavItem } from './navigation.ts';

interface NavSectionProps {
  items: readonly NavItem[];
  pathname: string;
  /** A group's name, shown above its links and naming the group for screen readers. */
  heading?: string;
  /** Called after a link is chosen (closes the navigation drawer on small screens). */
  onNavigate: () => void;
}

function matches(item: NavItem, pathname: string): boolean {
  return pathname === item.to || pathname.startsWith(`${item.to}/`);
}

/** The most specific entry matching the path (/settings/status beats /settings). */
function activeItem(items: readonly NavItem[], pathname: string): NavItem | undefined {
  return items.filter((item) => matches(item, pathname)).sort((a, b) => b.to.length - a.to.length)[0];
}

export function NavSection({ heading, items, pathname, onNavigate }: NavSectionProps) {
  const headingId = useId();
  if (items.length === 0) return null;
  const current = activeItem(items, pathname);
  return (
    <div role={heading ? 'group' : undefined} aria-labelledby={heading ? headingId : undefined}>
      {heading && (
        <Text id={headingId} size="xs" className={secondary.secondary} tt="uppercase" fw={700} px="sm" pt="sm" pb={4}>
          {heading}
        </Text>
      )}
      {items.map((item) => {
        const active = item === current;
        return (
          <NavLink
            key={item.to}
            component={Link}
            to={item.to}
            label={item.label}
            active={active}
            aria-current={active ? 'page' : undefined}
            onClick={onNavigate}
          />
        );
      })}
    </div>
  );
}
