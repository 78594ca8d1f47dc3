// Choosing a password, wherever it happens (invitation, password change): the password with
// the live policy verdict, then the same once more so a typo cannot lock the person out.
import { PasswordInput } from '@mantine/core';
import type { PasswordVerdict } from '@jutsu/shared';
import { useDeferredValue, useMemo } from 'react';
import type { FieldBinding } from '../../lib/use-form-fields.ts';
import { usePasswordPolicy } from './password-policy.ts';
import { PasswordStrengthMeter } from './PasswordStrengthMeter.tsx';

/**
 * The shared policy's verdict on what is typed. The estimator takes a few milliseconds per
 * call, so it runs on a deferred value; `settled` says the verdict is for the current text.
 * The verdict is null until the policy's dictionaries have arrived.
 */
export function usePasswordVerdict(password: string, username: string | undefined, hasSecondFactor: boolean): { verdict: PasswordVerdict | null; settled: boolean } {
  const evaluate = usePasswordPolicy();
  const typed = useDeferredValue(password);
  const verdict = useMemo(() => (typed && evaluate ? evaluate({ password: typed, username, hasSecondFactor }) : null), [evaluate, typed, username, hasSecondFactor]);
  return { verdict, settled: typed === password && (evaluate !== undefined || !typed) };
}

interface NewPasswordFieldsProps {
  /** "Password" or "New password"; the confirmation is labelled "Confirm <label>". */
  label: string;
  minLength: number;
  password: FieldBinding;
  /** Its error is one found on submit; otherwise a mismatch is shown as it is typed. */
  confirmation: FieldBinding;
  verdict: PasswordVerdict | null;
}

export function NewPasswordFields({ label, minLength, password, confirmation, verdict }: NewPasswordFieldsProps) {
  const differs = confirmation.value.length > 0 && confirmation.value !== password.value;
  return (
    <>
      <PasswordInput
        label={label}
        name="new-password"
        autoComplete="new-password"
        description={`At least ${minLength} characters. A few unrelated words work well.`}
        {...password}
      />
      <PasswordStrengthMeter verdict={verdict} />
      <PasswordInput
        label={`Confirm ${label.toLowerCase()}`}
        name="confirm-password"
        autoComplete="new-password"
        {...confirmation}
        error={confirmation.error ?? (differs ? `This does not match the ${label.toLowerCase()}.` : undefined)}
      />
    </>
  );
}
