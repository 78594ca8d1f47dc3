// Choosing a password, wherever it happens (invitation, password change): the password with
// the live policy verdict, then the same once more so a typo cannot lock the person out.
import { PasswordInput } from '@mantine/core';
import { evaluatePassword, type PasswordVerdict } from '@jutsu/shared';
import { useDeferredValue, useMemo } from 'react';
import { PasswordStrengthMeter } from './PasswordStrengthMeter.tsx';

/**
 * The shared policy's verdict on what is typed. The estimator takes a few milliseconds per
 * call, so it runs on a deferred value; `settled` says the verdict is for the current text.
 */
export function usePasswordVerdict(password: string, username: string | undefined, hasSecondFactor: boolean): { verdict: PasswordVerdict | null; settled: boolean } {
  const typed = useDeferredValue(password);
  const verdict = useMemo(() => (typed ? evaluatePassword({ password: typed, username, hasSecondFactor }) : null), [typed, username, hasSecondFactor]);
  return { verdict, settled: typed === password };
}

interface NewPasswordFieldsProps {
  /** "Password" or "New password"; the confirmation is labelled "Confirm <label>". */
  label: string;
  minLength: number;
  password: string;
  onPasswordChange: (value: string) => void;
  confirmation: string;
  onConfirmationChange: (value: string) => void;
  verdict: PasswordVerdict | null;
  /** An error found on submit; otherwise a mismatch is shown as it is typed. */
  confirmationError?: string | undefined;
}

export function NewPasswordFields(props: NewPasswordFieldsProps) {
  const { label, minLength, password, confirmation, verdict } = props;
  const differs = confirmation.length > 0 && confirmation !== password;
  return (
    <>
      <PasswordInput
        label={label}
        name="new-password"
        autoComplete="new-password"
        description={`At least ${minLength} characters. A few unrelated words work well.`}
        value={password}
        onChange={(e) => props.onPasswordChange(e.currentTarget.value)}
      />
      <PasswordStrengthMeter verdict={verdict} />
      <PasswordInput
        label={`Confirm ${label.toLowerCase()}`}
        name="confirm-password"
        autoComplete="new-password"
        value={confirmation}
        onChange={(e) => props.onConfirmationChange(e.currentTarget.value)}
        error={props.confirmationError ?? (differs ? `This does not match the ${label.toLowerCase()}.` : undefined)}
      />
    </>
  );
}
