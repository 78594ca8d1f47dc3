// Completes a sign-in that needs a second factor. The server procedure
// (auth.verifySecondFactor({ challengeToken, code }) returning a SignedIn) is not in the API yet;
// until it is, the step explains that instead of pretending. Wiring it is a one-line change here.
import { useCallback } from 'react';

export class SecondFactorUnavailableError extends Error {
  constructor() {
    super('Two-step sign-in is not available on this server yet. Ask an administrator.');
    this.name = 'SecondFactorUnavailableError';
  }
}

export function useVerifySecondFactor(): (challengeToken: string, code: string) => Promise<void> {
  return useCallback(async (_challengeToken: string, _code: string) => {
    throw new SecondFactorUnavailableError();
  }, []);
}
