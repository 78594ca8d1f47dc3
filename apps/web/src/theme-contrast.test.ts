import { DEFAULT_THEME } from '@mantine/core';
import { describe, expect, it } from 'vitest';
import { AA_TEXT, accessibleColorVariables, contrastRatio, ensureContrast, mix, relativeLuminance, surfaces } from './theme-contrast.ts';

const palette = DEFAULT_THEME.colors;
const vars = accessibleColorVariables(palette, 'indigo');
const bg = surfaces(palette);
const names = Object.keys(palette);

describe('contrast arithmetic', () => {
  it('matches the WCAG figures axe reports', () => {
    expect(contrastRatio('#868e96', '#ffffff')).toBeCloseTo(3.32, 2); // Mantine's gray-6 "dimmed" on white
    expect(contrastRatio('#ffffff', '#4c6ef5')).toBeCloseTo(4.32, 2); // white on indigo-6
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#123456', '#123456')).toBe(1);
    expect(relativeLuminance('#fff')).toBe(1);
  });

  it('mixes towards a target colour', () => {
    expect(mix('#ffffff', '#000000', 0.5)).toBe('#808080');
    expect(mix('#102030', '#102030', 0.7)).toBe('#102030');
    expect(() => mix('red', '#000000', 0.1)).toThrow(/not a hex colour/);
  });

  it('keeps a colour that already passes and moves one that does not only as far as needed', () => {
    expect(ensureContrast('#495057', ['#ffffff'], 'black')).toBe('#495057');
    const fixed = ensureContrast('#868e96', ['#ffffff'], 'black');
    expect(contrastRatio(fixed, '#ffffff')).toBeGreaterThanOrEqual(AA_TEXT);
    expect(contrastRatio(fixed, '#ffffff')).toBeLessThan(5.2); // not simply black
    expect(ensureContrast('#777777', ['#777777'], 'white')).toBe('#ffffff'); // the fallback is the extreme
  });
});

describe('the theme variables', () => {
  it.each(names)('%s: white text on the filled colour, and the colour as text, read at AA in the light scheme', (name) => {
    const v = vars.light;
    expect(contrastRatio('#ffffff', v[`--mantine-color-${name}-filled`]!)).toBeGreaterThanOrEqual(AA_TEXT);
    expect(contrastRatio('#ffffff', v[`--mantine-color-${name}-filled-hover`]!)).toBeGreaterThanOrEqual(AA_TEXT);
    for (const surface of [...bg.light, palette[name]![1]!, palette[name]![2]!]) expect(contrastRatio(v[`--mantine-color-${name}-text`]!, surface)).toBeGreaterThanOrEqual(AA_TEXT);
    // Light variant (badges, alerts, the active navigation entry), also while hovered.
    for (const tint of [palette[name]![1]!, palette[name]![2]!]) expect(contrastRatio(v[`--mantine-color-${name}-light-color`]!, tint)).toBeGreaterThanOrEqual(AA_TEXT);
  });

  it.each(names)('%s: the same in the dark scheme', (name) => {
    const v = vars.dark;
    expect(contrastRatio('#ffffff', v[`--mantine-color-${name}-filled`]!)).toBeGreaterThanOrEqual(AA_TEXT);
    for (const surface of bg.dark) {
      expect(contrastRatio(v[`--mantine-color-${name}-text`]!, surface)).toBeGreaterThanOrEqual(AA_TEXT);
      expect(contrastRatio(v[`--mantine-color-${name}-outline`]!, surface)).toBeGreaterThanOrEqual(AA_TEXT);
    }
    for (const tint of [v[`--mantine-color-${name}-light`]!, v[`--mantine-color-${name}-light-hover`]!]) {
      expect(contrastRatio(v[`--mantine-color-${name}-light-color`]!, tint)).toBeGreaterThanOrEqual(AA_TEXT);
      expect(contrastRatio(v[`--mantine-color-${name}-text`]!, tint)).toBeGreaterThanOrEqual(AA_TEXT);
    }
  });

  it('dimmed text, links and errors read at AA in both schemes', () => {
    for (const key of ['--mantine-color-dimmed', '--mantine-color-anchor', '--mantine-color-error']) {
      for (const surface of bg.light) expect(contrastRatio(vars.light[key]!, surface), key).toBeGreaterThanOrEqual(AA_TEXT);
      for (const surface of bg.dark) expect(contrastRatio(vars.dark[key]!, surface), key).toBeGreaterThanOrEqual(AA_TEXT);
    }
  });

  it('leaves colours that already pass untouched (the look changes only where contrast demands)', () => {
    // Mantine's dark-scheme text shade of teal already passes on every dark surface and tint.
    expect(vars.dark['--mantine-color-teal-text']).toBe(palette.teal![4]);
    expect(vars.light['--mantine-color-gray-light-color']).toBe(palette.gray![9]);
    expect(vars.light['--mantine-color-dimmed']).toBe(palette.gray![7]);
  });
});
