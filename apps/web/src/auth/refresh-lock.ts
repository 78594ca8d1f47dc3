// Every tab of this browser shares one refresh cookie, and the server treats a second use of
// an already-rotated refresh token as theft (the whole session is revoked; the server's only allowance is for an answer that never arrived, see docs/decisions.md).
// So refreshes are serialised across tabs with a Web Lock: a tab refreshes only while holding
// it, and since the browser updates the shared cookie jar before the lock is released, the next
// tab's refresh always sends the newest cookie.
export const REFRESH_LOCK_NAME = 'jutsu-refresh';

export async function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  // Web Locks exist in every current browser, but only in secure contexts (https:, localhost).
  // Outside one the browser never stores the Secure refresh cookie either, so nothing can race.
  if (typeof navigator === 'undefined' || !('locks' in navigator) || !navigator.locks) return task();
  // The lock is held until the task's promise settles; request() resolves with its result.
  return await navigator.locks.request(REFRESH_LOCK_NAME, { mode: 'exclusive' }, task);
}
