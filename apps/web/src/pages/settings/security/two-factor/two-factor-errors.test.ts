import { describe, expect, it } from 'vitest';
import { refusal } from '../../../../test-support/api-error.ts';
import { describeTwoFactorError, totpDigits } from './two-factor-errors.ts';

describe('describeTwoFactorError', () => {
  it('says how long to wait when rate-limited', () => {
    expect(describeTwoFactorError(refusal('RATE_LIMITED', 429, 'slow', { retryAfter: 20 }))).toEqual({ message: 'Too many attempts. Try again in 20 s.' });
    expect(describeTwoFactorError(refusal('RATE_LIMITED', 429, 'slow'))).toEqual({ message: 'Too many attempts. Wait a moment and try again.' });
  });

  it('restarts the setup when the pending one is gone', () => {
    expect(describeTwoFactorError(refusal('TWO_FACTOR_SETUP_REQUIRED', 409))).toMatchObject({ restartSetup: true });
  });

  it('passes the API message of a wrong code through', () => {
    expect(describeTwoFactorError(refusal('CODE_INVALID', 401, 'That code is not correct.'))).toEqual({ message: 'That code is not correct.' });
  });
});

describe('totpDigits', () => {
  it('accepts six digits as people type them', () => {
    expect(totpDigits('123456')).toBe('123456');
    expect(totpDigits(' 123 456 ')).toBe('123456');
    expect(totpDigits('123-456')).toBe('123456');
  });

  it('refuses anything that is not exactly six digits', () => {
    expect(totpDigits('12345')).toBeNull();
    expect(totpDigits('1234567')).toBeNull();
    expect(totpDigits('12345a')).toBeNull();
    expect(totpDigits('１２３４５６')).toBeNull();
  });
});
