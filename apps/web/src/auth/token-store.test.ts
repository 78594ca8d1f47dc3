import { afterEach, describe, expect, it } from 'vitest';
import { getAccessToken, setAccessToken, subscribeAccessToken } from './token-store.ts';

afterEach(() => setAccessToken(null));

describe('token store', () => {
  it('holds the token in memory and tells subscribers only about real changes', () => {
    const seen: Array<string | null> = [];
    const stop = subscribeAccessToken(() => seen.push(getAccessToken()));
    setAccessToken('t1');
    setAccessToken('t1');
    setAccessToken('t2');
    setAccessToken(null);
    stop();
    setAccessToken('t3');
    expect(seen).toEqual(['t1', 't2', null]);
  });

  it('treats an empty token as signed out', () => {
    setAccessToken('t1');
    setAccessToken('');
    expect(getAccessToken()).toBeNull();
  });
});
