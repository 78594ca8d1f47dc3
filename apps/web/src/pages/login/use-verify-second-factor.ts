// Completes a sign-in that needs a second factor: auth.verifySecondFactor({ challengeToken, code }).
// `onVerified` hears which factor was used and how many backup codes are left before the
// session is taken over (so the login page can warn about running out of backup codes).
import { useCallback } from 'react';
import { acceptSignIn } from '../../auth/session.ts';
import { trpc } from '../../trpc.ts';

export interface SecondFactorOutcome {
  method: 'totp' | 'backup_code';
  backupCodesRemaining: number;
}

export function useVerifySecondFactor(onVerified?: (outcome: SecondFactorOutcome) => void): (challengeToken: string, code: string) => Promise<void> {
  const verify = trpc.auth.verifySecondFactor.useMutation();
  const { mutateAsync } = verify;
  return useCallback(
    async (challengeToken: string, code: string) => {
      const result = await mutateAsync({ challengeToken, code });
      onVerified?.({ method: result.secondFactor, backupCodesRemaining: result.backupCodesRemaining });
      acceptSignIn(result);
    },
    [mutateAsync, onVerified],
  );
}
