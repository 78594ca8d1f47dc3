// Colours that keep WCAG AA contrast (4.5:1 for text) in both schemes. Mantine's defaults do
// not: white on indigo-6 is 4.3:1, green-9 on green-1 (a light badge) 3.8:1, gray-6 "dimmed"
// text on white 3.3:1. Rather than a hand-picked shade per component, every palette colour's
// variables (filled, text, outline, light-variant text) are moved towards black (light scheme)
// or white (dark scheme) only as far as needed to reach the ratio against the backgrounds they
// are drawn on. Pure functions of the palette, so a unit test proves every pair.

export type Palette = Readonly<Record<string, readonly string[] | undefined>>;
type Rgb = [number, number, number];

/** Text needs 4.5:1 (WCAG 2.1 AA, 1.4.3). */
export const AA_TEXT = 4.5;

const BLACK = '#000000';
const WHITE = '#ffffff';

function parseHex(hex: string): Rgb {
  const m = /^#([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(hex.trim());
  if (!m) throw new Error(`not a hex colour: ${hex}`);
  const h = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG relative luminance of an sRGB colour. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = parseHex(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `amount` (0–1) of the way from `color` to `toward`. */
export function mix(color: string, toward: string, amount: number): string {
  const a = parseHex(color);
  const b = parseHex(toward);
  return toHex(a.map((c, i) => c + (b[i]! - c) * amount) as Rgb);
}

/** `color` itself when it already reaches `min` against every background, else the nearest step towards black or white that does. */
export function ensureContrast(color: string, backgrounds: readonly string[], toward: 'black' | 'white', min = AA_TEXT): string {
  const target = toward === 'black' ? BLACK : WHITE;
  for (let step = 0; step <= 50; step++) {
    const candidate = step === 0 ? toHex(parseHex(color)) : mix(color, target, step / 50);
    if (backgrounds.every((bg) => contrastRatio(candidate, bg) >= min)) return candidate;
  }
  return target;
}

/** Where text and controls are drawn: the body, cards and hovered rows of each scheme. */
export function surfaces(palette: Palette): { light: string[]; dark: string[] } {
  return { light: [WHITE, palette.gray![0]!, palette.gray![1]!], dark: [palette.dark![7]!, palette.dark![6]!, palette.dark![5]!] };
}

export interface ColorSchemeVariables {
  light: Record<string, string>;
  dark: Record<string, string>;
}

/**
 * Overrides for Mantine's per-colour variables (`--mantine-color-<name>-filled|text|outline|light…`)
 * and the scheme-wide ones (dimmed, anchor, error) so that filled controls carry white text at
 * 4.5:1, coloured text reads at 4.5:1 on every surface, and light-variant badges, alerts and the
 * active navigation entry read at 4.5:1 on their own tint (hovered too).
 */
export function accessibleColorVariables(palette: Palette, primaryColor: string): ColorSchemeVariables {
  const bg = surfaces(palette);
  const light: Record<string, string> = {};
  const dark: Record<string, string> = {};
  const filledOf: Record<string, string> = {};
  const textOfDark: Record<string, string> = {};
  for (const [name, s] of Object.entries(palette)) {
    if (!s || s.length < 10) continue;
    // Light scheme: white text on the filled colour; the same colour as text on light surfaces.
    const filled = ensureContrast(s[6]!, [WHITE, ...bg.light], 'black');
    filledOf[name] = filled;
    light[`--mantine-color-${name}-filled`] = filled;
    light[`--mantine-color-${name}-filled-hover`] = mix(filled, BLACK, 0.12);
    // Coloured text also sits on the colour's own tint (a hovered red menu item).
    light[`--mantine-color-${name}-text`] = ensureContrast(s[6]!, [...bg.light, s[1]!, s[2]!], 'black');
    light[`--mantine-color-${name}-outline`] = filled;
    light[`--mantine-color-${name}-light-color`] = ensureContrast(s[9]!, [s[1]!, s[2]!], 'black');

    // Dark scheme: light text on dark surfaces and on the colour's own dark tint.
    const tint = mix(s[9]!, BLACK, 0.5);
    const tintHover = mix(s[9]!, BLACK, 0.3);
    const darkFilled = ensureContrast(s[8]!, [WHITE], 'black');
    const darkText = ensureContrast(s[4]!, [...bg.dark, tint, tintHover], 'white');
    textOfDark[name] = darkText;
    dark[`--mantine-color-${name}-filled`] = darkFilled;
    dark[`--mantine-color-${name}-filled-hover`] = mix(darkFilled, BLACK, 0.12);
    dark[`--mantine-color-${name}-text`] = darkText;
    dark[`--mantine-color-${name}-outline`] = darkText;
    dark[`--mantine-color-${name}-light`] = tint;
    dark[`--mantine-color-${name}-light-hover`] = tintHover;
    dark[`--mantine-color-${name}-light-color`] = ensureContrast(s[0]!, [tint, tintHover], 'white');
  }
  light['--mantine-color-dimmed'] = ensureContrast(palette.gray![7]!, bg.light, 'black');
  light['--mantine-color-anchor'] = filledOf[primaryColor]!;
  light['--mantine-color-error'] = filledOf.red!;
  light['--mantine-color-success'] = filledOf.teal!;
  dark['--mantine-color-dimmed'] = ensureContrast(palette.dark![1]!, bg.dark, 'white');
  dark['--mantine-color-anchor'] = textOfDark[primaryColor]!;
  dark['--mantine-color-error'] = textOfDark.red!;
  dark['--mantine-color-success'] = textOfDark.teal!;
  return { light, dark };
}
