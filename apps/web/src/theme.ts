// Mantine theme and where the chosen colour scheme is remembered. The scheme is a display
// preference, not a secret, so localStorage is fine for it (unlike tokens). Mantine applies it
// from JavaScript at start-up, so no inline <ColorSchemeScript> is needed under our CSP.
import { createTheme, DEFAULT_THEME, localStorageColorSchemeManager, type CSSVariablesResolver, type MenuProps, type ModalProps } from '@mantine/core';
import { accessibleColorVariables } from './theme-contrast.ts';

export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  // Plain objects, not Modal.extend()/Menu.extend(): those would put both components (and their
  // positioning library) into the login route's bundle.
  components: {
    // The dialog's × button is an icon: name it for screen readers.
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } } satisfies Partial<ModalProps> },
    // No role="presentation" focus placeholder inside role="menu" (only menu items may be there);
    // the keyboard lands on the first item instead.
    Menu: { defaultProps: { withInitialFocusPlaceholder: false } satisfies Partial<MenuProps> },
  },
});

export const colorSchemeManager = localStorageColorSchemeManager({ key: 'jutsu-color-scheme' });

// Every colour variable at WCAG AA contrast in both schemes (theme-contrast.ts says how).
const contrastSafe = accessibleColorVariables({ ...DEFAULT_THEME.colors, ...theme.colors }, theme.primaryColor ?? DEFAULT_THEME.primaryColor);

export const cssVariablesResolver: CSSVariablesResolver = () => ({ variables: {}, light: contrastSafe.light, dark: contrastSafe.dark });
