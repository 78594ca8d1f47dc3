import { describe, expect, it } from 'vitest';
import { apiError, networkError, refusal } from '../test-support/api-error.ts';
import { describeApiError, errorReasonOf, httpStatusOf, passwordProblemsOf, retryAfterOf, shouldRetryQuery } from './api-errors.ts';

describe('httpStatusOf', () => {
  it('reads the status the API put in error.data', () => {
    expect(httpStatusOf(refusal('FORBIDDEN', 403))).toBe(403);
  });

  it('has none for a network failure, a plain Error or a non-number status', () => {
    expect(httpStatusOf(networkError())).toBeUndefined();
    expect(httpStatusOf(new Error('boom'))).toBeUndefined();
    expect(httpStatusOf(apiError('x', { httpStatus: '403' }))).toBeUndefined();
    expect(httpStatusOf({ data: { httpStatus: 403 } })).toBeUndefined();
  });
});

describe('describeApiError', () => {
  it('says the server could not be reached when there was no answer', () => {
    expect(describeApiError(networkError())).toBe('The server could not be reached. Check your connection and try again.');
    // Browser jargon from fetch never reaches the screen.
    expect(describeApiError(networkError())).not.toContain('Failed to fetch');
  });

  it('words 429 and 5xx itself, whatever the body says', () => {
    expect(describeApiError(apiError('nginx says no', { httpStatus: 429 }))).toBe('Too many requests. Wait a moment and try again.');
    expect(describeApiError(apiError('stack trace here', { httpStatus: 500 }))).toBe('The server had a problem answering. Try again in a moment.');
    expect(describeApiError(apiError('bad gateway', { httpStatus: 502 }))).toBe('The server had a problem answering. Try again in a moment.');
  });

  it('shows the API message of a 4xx refusal, with a fallback when it is empty', () => {
    expect(describeApiError(refusal('LAST_ADMIN', 409, 'The last admin cannot be removed.'))).toBe('The last admin cannot be removed.');
    expect(describeApiError(apiError('', { httpStatus: 400 }))).toBe('The request was refused.');
  });
});

describe('shouldRetryQuery', () => {
  it('never retries a refusal (4xx)', () => {
    expect(shouldRetryQuery(0, refusal('FORBIDDEN', 403))).toBe(false);
    expect(shouldRetryQuery(0, refusal('RATE_LIMITED', 429))).toBe(false);
  });

  it('retries network failures and 5xx twice, then stops', () => {
    expect(shouldRetryQuery(0, networkError())).toBe(true);
    expect(shouldRetryQuery(1, apiError('x', { httpStatus: 503 }))).toBe(true);
    expect(shouldRetryQuery(2, apiError('x', { httpStatus: 503 }))).toBe(false);
    expect(shouldRetryQuery(2, networkError())).toBe(false);
  });
});

describe('errorReasonOf / retryAfterOf / passwordProblemsOf', () => {
  it('reads a known reason and ignores one the contract does not have', () => {
    expect(errorReasonOf(refusal('TOKEN_EXPIRED', 401))).toBe('TOKEN_EXPIRED');
    expect(errorReasonOf(refusal('SOMETHING_NEW', 400))).toBeUndefined();
    expect(errorReasonOf(apiError('x', { reason: 42 }))).toBeUndefined();
    expect(errorReasonOf(new Error('TOKEN_EXPIRED'))).toBeUndefined();
  });

  it('rounds retryAfter up, never below zero, and ignores non-finite values', () => {
    expect(retryAfterOf(refusal('RATE_LIMITED', 429, 'slow down', { retryAfter: 12.1 }))).toBe(13);
    expect(retryAfterOf(refusal('RATE_LIMITED', 429, 'slow down', { retryAfter: -5 }))).toBe(0);
    expect(retryAfterOf(refusal('RATE_LIMITED', 429, 'slow down', { retryAfter: Number.POSITIVE_INFINITY }))).toBeUndefined();
    expect(retryAfterOf(refusal('RATE_LIMITED', 429, 'slow down', { retryAfter: '30' }))).toBeUndefined();
    expect(retryAfterOf(networkError())).toBeUndefined();
  });

  it('keeps only the string problems of a weak password', () => {
    const error = refusal('WEAK_PASSWORD', 400, 'weak', { problems: ['Use at least 15 characters.', 7, null, 'Too easy to guess.'] });
    expect(passwordProblemsOf(error)).toEqual(['Use at least 15 characters.', 'Too easy to guess.']);
    expect(passwordProblemsOf(refusal('WEAK_PASSWORD', 400, 'weak', { problems: 'not a list' }))).toEqual([]);
    expect(passwordProblemsOf(networkError())).toEqual([]);
  });
});
