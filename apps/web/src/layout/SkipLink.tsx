// The first thing a keyboard reaches on every screen: hidden until focused, it moves the focus
// past the header and navigation to the screen's own content (<main id="main">).
import type { MouseEvent } from 'react';
import classes from './skip-link.module.css';

export const MAIN_ID = 'main';

export function SkipLink() {
  const skip = (event: MouseEvent<HTMLAnchorElement>) => {
    // Focus, not a #hash navigation: the router owns the URL, and the focus is what must move.
    event.preventDefault();
    document.getElementById(MAIN_ID)?.focus();
  };
  return (
    <a href={`#${MAIN_ID}`} className={classes.skip} onClick={skip}>
      Skip to content
    </a>
  );
}
