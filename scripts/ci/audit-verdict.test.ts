import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { auditVerdict } from './audit-verdict.mjs';

type Verdict = { verdict: string; lines: string[] };
const verdict = auditVerdict as (text: string) => Verdict;

describe('dependency audit verdict', () => {
  it('fails on a high advisory and names it', () => {
    const report = {
      advisories: { '1': { severity: 'high', module_name: 'left-pad', vulnerable_versions: '<2.0.0', title: 'Prototype pollution', url: 'https://example.test/1' } },
      metadata: { vulnerabilities: { critical: 0, high: 1, moderate: 0, low: 0 } },
    };
    const v = verdict(JSON.stringify(report));
    expect(v.verdict).toBe('fail');
    expect(v.lines.join('\n')).toContain('left-pad');
  });

  it('passes with only moderate and low advisories', () => {
    const v = verdict(JSON.stringify({ advisories: {}, metadata: { vulnerabilities: { critical: 0, high: 0, moderate: 2, low: 1 } } }));
    expect(v.verdict).toBe('pass');
    expect(v.lines[0]).toContain('moderate=2');
  });

  it('says SKIPPED, not passed, when the advisory service does not answer', () => {
    const v = verdict(' ERR_PNPM_AUDIT_BAD_RESPONSE  The audit endpoint (at https://registry.test/-/npm/v1/security/audits/quick) responded with 405: ');
    expect(v.verdict).toBe('skipped');
    expect(v.lines[0]).toMatch(/SKIPPED.*405/);
  });

  it('refuses output it cannot read', () => {
    expect(verdict('<html>proxy error</html>').verdict).toBe('unreadable');
  });
});
