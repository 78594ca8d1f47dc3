import { describe, expect, it } from 'vitest';
import { apiError, networkError, refusal } from '../../test-support/api-error.ts';
import { attemptsLeftOf, describeSignInError } from './sign-in-errors.ts';

describe('describeSignInError', () => {
  it('never says which of username or password was wrong', () => {
    const problem = describeSignInError(refusal('INVALID_CREDENTIALS', 401, 'Invalid username or password.'));
    expect(problem).toEqual({ title: 'Sign-in failed', message: 'Incorrect username or password.' });
  });

  it('shows the server message of a locked or disabled account, with its own fallback', () => {
    expect(describeSignInError(refusal('ACCOUNT_LOCKED', 403, 'Locked for 15 minutes.'))).toEqual({ title: 'Account locked', message: 'Locked for 15 minutes.' });
    expect(describeSignInError(refusal('ACCOUNT_DISABLED', 403, ''))).toEqual({
      title: 'Account disabled',
      message: 'This account is disabled. Ask an administrator.',
    });
  });

  it('keeps the form waiting as long as the server asked, 60 s when it did not say', () => {
    expect(describeSignInError(refusal('RATE_LIMITED', 429, 'slow', { retryAfter: 42 })).retryAfterSeconds).toBe(42);
    expect(describeSignInError(refusal('RATE_LIMITED', 429, 'slow')).retryAfterSeconds).toBe(60);
  });

  it('counts the tries left on a refused code, and restarts when none are left', () => {
    const wrong = (attemptsLeft: unknown) => refusal('CODE_INVALID', 401, 'That code is not correct.', { attemptsLeft });
    expect(describeSignInError(wrong(2))).toEqual({ title: 'Code not accepted', message: 'That code is not correct. 2 tries left.' });
    expect(describeSignInError(wrong(1)).message).toBe('That code is not correct. 1 try left.');
    expect(describeSignInError(wrong(0))).toEqual({ title: 'Code not accepted', message: 'That code is not correct.', restart: true });
    // A count the client cannot trust is left out rather than shown wrong.
    expect(describeSignInError(wrong(-1))).toEqual({ title: 'Code not accepted', message: 'That code is not correct.' });
    expect(describeSignInError(wrong(1.5))).toEqual({ title: 'Code not accepted', message: 'That code is not correct.' });
  });

  it('treats a replayed code like a refused one', () => {
    const replayed = describeSignInError(refusal('CODE_REPLAYED', 401, 'Already used.', { attemptsLeft: 3 }));
    expect(replayed).toEqual({ title: 'Code already used', message: 'Already used. 3 tries left.' });
  });

  it('sends the person back to the password step when the challenge is gone', () => {
    expect(describeSignInError(refusal('CHALLENGE_INVALID', 401))).toMatchObject({ title: 'Sign-in expired', restart: true });
  });

  it('shows a client-side Error as it is, but a network failure in plain words', () => {
    expect(describeSignInError(new Error('Passkeys are not available here.'))).toEqual({
      title: 'Sign-in not possible',
      message: 'Passkeys are not available here.',
    });
    expect(describeSignInError(networkError())).toEqual({
      title: 'Sign-in failed',
      message: 'The server could not be reached. Check your connection and try again.',
    });
  });

  it('tells a proxy 429 (no reason) from the API rate limit', () => {
    const problem = describeSignInError(apiError('<html>429</html>', { httpStatus: 429 }));
    expect(problem).toEqual({ title: 'Too many requests', message: 'Too many requests. Wait a moment and try again.' });
    expect(problem.retryAfterSeconds).toBeUndefined();
  });
});

describe('attemptsLeftOf', () => {
  it('is a non-negative integer or nothing', () => {
    expect(attemptsLeftOf(refusal('CODE_INVALID', 401, 'x', { attemptsLeft: 4 }))).toBe(4);
    expect(attemptsLeftOf(refusal('CODE_INVALID', 401, 'x', { attemptsLeft: '4' }))).toBeUndefined();
    expect(attemptsLeftOf(refusal('CODE_INVALID', 401))).toBeUndefined();
    expect(attemptsLeftOf(new Error('x'))).toBeUndefined();
  });
});
