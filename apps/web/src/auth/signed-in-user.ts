// Who is signed in, as far as the SPA needs to know to choose what to show. The server
// enforces every permission; the SPA only hides what a role cannot use.
import { useSessionState, type SessionUser } from './session-store.ts';

export type SignedInUser = SessionUser;

export function useSignedInUser(): SignedInUser | null {
  const session = useSessionState();
  return session.status === 'signedIn' ? session.user : null;
}
