import { describe, expect, it } from 'vitest';
import { signInMethodLabel } from './session-labels.ts';

describe('signInMethodLabel', () => {
  it('names each way a session is opened', () => {
    expect(signInMethodLabel(['pwd'])).toBe('Password');
    expect(signInMethodLabel(['pwd', 'otp'])).toBe('Password + code');
    expect(signInMethodLabel(['pwd', 'backup'])).toBe('Password + backup code');
    expect(signInMethodLabel(['passkey'])).toBe('Passkey');
    expect(signInMethodLabel([])).toBe('Unknown');
  });
});
