// Inputs of auth.* and twoFactor.*: what the sign-in, session and second-factor forms send.
import { z } from 'zod';
import { newPasswordSchema, presentedPasswordSchema } from './identity.ts';

/** A name as typed at sign-in: only bounded (any name gets the same answer as a wrong password). */
export const signInUsernameSchema = z.string().trim().min(1).max(64);

export const loginInput = z.object({
  username: signInUsernameSchema,
  password: presentedPasswordSchema,
});

/** A TOTP code or a backup code, as typed (normalised server-side). */
export const secondFactorCodeSchema = z.string().trim().min(1, 'Enter a code').max(64);

/** The single-use token auth.login hands out for the second step. */
export const challengeTokenSchema = z.string().min(16).max(128);

export const verifySecondFactorInput = z.object({ challengeToken: challengeTokenSchema, code: secondFactorCodeSchema });

export const sessionIdInput = z.object({ id: z.uuid() });

export const SESSION_NAME_MAX = 64;
/** A label for one of the person's own sessions; an empty name removes it. One line, no control characters. */
export const renameSessionInput = z.object({
  id: z.uuid(),
  name: z
    .string()
    .max(SESSION_NAME_MAX * 4)
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .max(SESSION_NAME_MAX, `at most ${SESSION_NAME_MAX} characters`)
        .refine((s) => !/\p{Cc}/u.test(s), 'no control characters'),
    ),
});

export const changePasswordInput = z.object({ currentPassword: presentedPasswordSchema, newPassword: newPasswordSchema });

export const reauthenticateInput = z.object({ password: presentedPasswordSchema });

/** The token of a "this wasn't me" link. */
export const notMeInput = z.object({ token: z.string().min(16).max(128) });
/** auth.resetPassword: the reset token a "this wasn't me" report returned, and the new password. */
export const resetPasswordInput = z.object({ token: z.string().min(16).max(128), newPassword: newPasswordSchema });

/** twoFactor.enable and twoFactor.regenerateBackupCodes. */
export const twoFactorCodeInput = z.object({ code: secondFactorCodeSchema });

export const twoFactorDisableInput = z.object({ password: presentedPasswordSchema, code: secondFactorCodeSchema });
