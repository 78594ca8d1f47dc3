// Mantine theme and where the chosen colour scheme is remembered. The scheme is a display
// preference, not a secret, so localStorage is fine for it (unlike tokens). Mantine applies it
// from JavaScript at start-up, so no inline <ColorSchemeScript> is needed under our CSP.
import { createTheme, localStorageColorSchemeManager } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
});

export const colorSchemeManager = localStorageColorSchemeManager({ key: 'jutsu-color-scheme' });
