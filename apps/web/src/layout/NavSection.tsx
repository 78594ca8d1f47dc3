// A list of navigation links; the one matching the current path is marked active (and
// aria-current="page" for screen readers).
import { NavLink } from '@mantine/core';
import { Link } from 'react-router-dom';
import type { NavItem } from './navigation.ts';

interface NavSectionProps {
  items: readonly NavItem[];
  pathname: string;
  /** Called after a link is chosen (closes the navigation drawer on small screens). */
  onNavigate: () => void;
}

function isActive(item: NavItem, pathname: string): boolean {
  return pathname === item.to || pathname.startsWith(`${item.to}/`);
}

export function NavSection({ items, pathname, onNavigate }: NavSectionProps) {
  if (items.length === 0) return null;
  return (
    <div>
      {items.map((item) => {
        const active = isActive(item, pathname);
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
