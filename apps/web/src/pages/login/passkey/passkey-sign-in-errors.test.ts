import { WebAuthnError } from '@simplewebauthn/browser';
import { describe, expect, it } from 'vitest';
import { refusal } from '../../../test-support/api-error.ts';
import { describePasskeySignInError } from './passkey-sign-in-errors.ts';

const domError = (name: string, message = 'The operation failed.') => new DOMException(message, name);

describe('describePasskeySignInError', () => {
  it('says nothing when this page cancelled the prompt', () => {
    expect(describePasskeySignInError(domError('AbortError'))).toBeNull();
    const aborted = new WebAuthnError({ message: 'aborted', code: 'ERROR_CEREMONY_ABORTED', cause: new Error('x'), name: 'AbortError' });
    expect(describePasskeySignInError(aborted)).toBeNull();
  });

  it('explains a closed or timed-out prompt without guessing which it was', () => {
    expect(describePasskeySignInError(domError('NotAllowedError'))).toEqual({
      title: 'Passkey sign-in failed',
      message: 'No passkey was used: the prompt was closed or timed out. Try again, or sign in with your password.',
    });
  });

  it('has its own words for an unknown or removed passkey and an expired request', () => {
    expect(describePasskeySignInError(refusal('PASSKEY_INVALID', 401))?.title).toBe('Passkey not accepted');
    expect(describePasskeySignInError(refusal('CHALLENGE_INVALID', 401))).toEqual({
      title: 'Passkey sign-in expired',
      message: 'The sign-in request expired or was already used. Try again.',
    });
  });

  it('reads the other refusals as the password form does', () => {
    expect(describePasskeySignInError(refusal('RATE_LIMITED', 429, 'slow', { retryAfter: 9 }))).toMatchObject({ title: 'Too many attempts', retryAfterSeconds: 9 });
    expect(describePasskeySignInError(refusal('ACCOUNT_DISABLED', 403, 'Disabled.'))).toEqual({ title: 'Account disabled', message: 'Disabled.' });
  });
});
