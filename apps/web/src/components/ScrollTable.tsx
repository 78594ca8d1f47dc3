// A table wider than the screen scrolls inside this box, never the page. While it does scroll
// sideways, the box is a named, focusable region so a keyboard can scroll it too (WCAG 2.1.1);
// when everything fits it stays out of the tab order. A table whose last column holds each
// row's actions keeps that column in view while the rest scrolls beneath it, so on a phone
// Actions and Revoke are on the screen without scrolling sideways first.
import { Table } from '@mantine/core';
import { useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import classes from './ScrollTable.module.css';

interface ScrollTableProps {
  /** Names the region for screen readers ("Positions"). */
  label: string;
  /** Below this width the table scrolls instead of squeezing its columns. */
  minWidth: number;
  /** The last column holds the row's buttons: it stays at the right edge while the table scrolls. */
  keepActionsInView?: boolean;
  children: ReactNode;
}

export function ScrollTable({ label, minWidth, keepActionsInView = false, children }: ScrollTableProps) {
  const ref = useRef<HTMLDivElement>(null);
  const scrolls = useScrollsSideways(ref);
  return (
    <Table.ScrollContainer
      ref={ref}
      type="native"
      minWidth={minWidth}
      className={classes.region}
      data-scrolls={scrolls || undefined}
      data-sticky-actions={keepActionsInView || undefined}
      role={scrolls ? 'region' : undefined}
      aria-label={scrolls ? label : undefined}
      tabIndex={scrolls ? 0 : undefined}
    >
      {children}
    </Table.ScrollContainer>
  );
}

/** Whether the element's content is wider than the element, kept current as either resizes. */
function useScrollsSideways(ref: RefObject<HTMLElement | null>): boolean {
  const [scrolls, setScrolls] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setScrolls(el.scrollWidth > el.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    for (const child of Array.from(el.children)) observer.observe(child);
    return () => observer.disconnect();
  }, [ref]);
  return scrolls;
}
