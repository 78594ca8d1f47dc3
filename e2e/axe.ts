// WCAG 2.1 AA check of what a page shows right now, with axe-core. A failure lists every
// violation as "rule (impact): what is wrong" and, under it, each offending element's selector
// and axe's own reason (for contrast: the two colours and the ratio), so the fix is readable
// straight from the test output.
import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

export interface AxeOptions {
  /** Limit the check to part of the page (a CSS selector, e.g. an open dialog); the whole page by default. */
  context?: string | string[];
  /** Names the screen in the failure message ("Overview at 390 px"). */
  label?: string;
  /** Only these axe rules (of the WCAG tags above); every rule of those tags by default. */
  rules?: readonly string[];
}

interface AxeNode {
  target: unknown[];
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: AxeNode[];
}

/** One line a violation, one indented line an element. */
export function formatViolations(violations: readonly AxeViolation[]): string[] {
  return violations.map((v) => {
    const nodes = v.nodes.map((n) => {
      const why = (n.failureSummary ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/^Fix (any|all) of the following:$/.test(l))
        .join(' / ');
      return `    ${n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))).join(' > ')}${why ? ` — ${why}` : ''}`;
    });
    return [`${v.id} (${v.impact ?? 'unknown'}): ${v.help} [${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'}]`, ...nodes].join('\n');
  });
}

/** Waits for transitions to finish (a half-faded dialog measures as low contrast), then runs axe. */
export async function expectAxeClean(page: Page, { context, label, rules }: AxeOptions = {}): Promise<void> {
  await page.waitForFunction(
    () =>
      document.getAnimations().every((a) => {
        const iterations = a.effect?.getTiming().iterations;
        return iterations === Infinity || a.playState !== 'running';
      }),
    undefined,
    { timeout: 10_000 },
  );
  // Legacy mode runs axe inside the page in one go instead of finishing in a second blank page:
  // several times faster, and the app has no frames that would need the other mode.
  // withRules replaces withTags (one runOnly): the named rules are all WCAG 2.1 A/AA ones.
  let builder = new AxeBuilder({ page }).setLegacyMode(true);
  builder = rules ? builder.withRules([...rules]) : builder.withTags([...AXE_TAGS]);
  if (context) for (const selector of Array.isArray(context) ? context : [context]) builder = builder.include(selector);
  const results = await builder.analyze();
  const where = label ?? page.url();
  // Soft: the run goes on to the next screens, so one run lists every screen's violations.
  expect.soft(formatViolations(results.violations as AxeViolation[]), `axe violations on ${where}`).toEqual([]);
}
