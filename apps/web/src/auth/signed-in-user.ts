// Who is signed in, as far as the SPA needs to know to choose what to show. The server
// enforces every permission; the SPA only hides what a role cannot use.
// The sign-in flow provides a value through SignedInUserContext; until then nobody is signed in.
import { createContext, useContext } from 'react';
import type { Role } from '@jutsu/shared';

export interface SignedInUser {
  username: string;
  role: Role;
}

export const SignedInUserContext = createContext<SignedInUser | null>(null);

export function useSignedInUser(): SignedInUser | null {
  return useContext(SignedInUserContext);
}
