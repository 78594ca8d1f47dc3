import { WebAuthnError } from '@simplewebauthn/browser';
import { describe, expect, it } from 'vitest';
import { StepUpCancelled } from '../../../../components/reauth/use-step-up.tsx';
import { apiError, refusal } from '../../../../test-support/api-error.ts';
import { describePasskeyChangeError, PASSKEY_NAME_MAX, passkeyNameProblem } from './passkey-errors.ts';

describe('passkeyNameProblem', () => {
  it('accepts a normal name, judged after trimming', () => {
    expect(passkeyNameProblem('Work laptop')).toBeNull();
    expect(passkeyNameProblem(`  ${'a'.repeat(PASSKEY_NAME_MAX)}  `)).toBeNull();
  });

  it('refuses an empty, too long or control-character name', () => {
    expect(passkeyNameProblem('   ')).toMatch(/Give the passkey a name/);
    expect(passkeyNameProblem('a'.repeat(PASSKEY_NAME_MAX + 1))).toBe(`At most ${PASSKEY_NAME_MAX} characters.`);
    expect(passkeyNameProblem('Work\u0000laptop')).toBe('No control characters.');
    expect(passkeyNameProblem('Work\u009blaptop')).toBe('No control characters.');
  });
});

describe('describePasskeyChangeError', () => {
  it('reports nothing when the person or the page cancelled', () => {
    expect(describePasskeyChangeError(new StepUpCancelled(), 'remove')).toBeNull();
    const aborted = new WebAuthnError({ message: 'aborted', code: 'ERROR_CEREMONY_ABORTED', cause: new Error('x'), name: 'AbortError' });
    expect(describePasskeyChangeError(aborted, 'add')).toBeNull();
  });

  it('explains what the browser refused', () => {
    const known = new WebAuthnError({ message: 'x', code: 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED', cause: new Error('x'), name: 'InvalidStateError' });
    expect(describePasskeyChangeError(known, 'add')).toMatch(/already holds a passkey for this account/);
    expect(describePasskeyChangeError(new DOMException('closed', 'NotAllowedError'), 'add')).toBe('No passkey was added: the prompt was closed or timed out.');
  });

  it('maps each API refusal, naming the action when a recent sign-in is needed', () => {
    expect(describePasskeyChangeError(refusal('PASSKEY_EXISTS', 409), 'add')).toMatch(/already registered here/);
    expect(describePasskeyChangeError(refusal('PASSKEY_NOT_FOUND', 404), 'rename')).toMatch(/no longer exists/);
    expect(describePasskeyChangeError(refusal('RATE_LIMITED', 429, 'slow', { retryAfter: 30 }), 'add')).toBe('Too many changes in a short time. Try again in 30 s.');
    expect(describePasskeyChangeError(refusal('REAUTH_REQUIRED', 403), 'remove')).toBe('Confirm it is you to remove a passkey, then try again.');
  });

  it('shows the server message for refusals that carry their own advice', () => {
    const last = refusal('LAST_SIGN_IN_METHOD', 409, 'Add another passkey or a password first.');
    expect(describePasskeyChangeError(last, 'remove')).toBe('Add another passkey or a password first.');
    expect(describePasskeyChangeError(apiError('oops', { httpStatus: 500 }), 'remove')).toBe('The server had a problem answering. Try again in a moment.');
  });
});
