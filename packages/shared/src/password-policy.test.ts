import { describe, expect, it } from 'vitest';
import { loadPasswordPolicy } from './password-policy.ts';

const evaluatePassword = await loadPasswordPolicy();

describe('password policy', () => {
  it('accepts a long passphrase with any characters, no composition rules', () => {
    expect(evaluatePassword({ password: 'lantern orbit cactus meadow', hasSecondFactor: false }).ok).toBe(true);
    expect(evaluatePassword({ password: 'ζωντανό φως πάνω στο νερό', hasSecondFactor: true }).ok).toBe(true);
  });
  it('needs 15 characters without a second factor and 12 with one', () => {
    const pw = 'Vq7#mZt2!pLx'; // 12, random-looking
    expect(evaluatePassword({ password: pw, hasSecondFactor: true }).ok).toBe(true);
    const v = evaluatePassword({ password: pw, hasSecondFactor: false });
    expect(v.ok).toBe(false);
    expect(v.problems.join(' ')).toMatch(/at least 15/);
  });
  it('rejects common passwords with a reason', () => {
    const v = evaluatePassword({ password: 'password1234567', hasSecondFactor: true });
    expect(v.ok).toBe(false);
    expect(v.problems.join(' ')).toMatch(/guess/i);
  });
  it('rejects passwords built from the username', () => {
    const v = evaluatePassword({ password: 'alice-trader-2024!x', username: 'Alice', hasSecondFactor: true });
    expect(v.ok).toBe(false);
    expect(v.problems.join(' ')).toMatch(/username/);
  });
  it('rejects more than 128 characters (no silent truncation)', () => {
    expect(evaluatePassword({ password: 'x9'.repeat(65), hasSecondFactor: true }).problems.join(' ')).toMatch(/at most 128/);
  });
});
