// Choose a username and a password for the invited account (the shared password policy runs
// live, with the strength meter), then the server creates the account with the invitation's
// role and signs it in, like a completed sign-in (acceptSignIn).
import { Button, Stack, TextInput } from '@mantine/core';
import { emailSchema, PASSWORD_MIN_SINGLE_FACTOR, usernameSchema } from '@jutsu/shared';
import { useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, type FormEvent } from 'react';
import { acceptSignIn } from '../../auth/session.ts';
import { getSessionState } from '../../auth/session-store.ts';
import { NewPasswordFields, usePasswordVerdict } from '../../components/password/NewPasswordFields.tsx';
import { loadPasswordPolicy } from '../../components/password/password-policy.ts';
import { RefusalAlert, type Refusal } from '../../components/RefusalAlert.tsx';
import { describeApiError, errorReasonOf, passwordProblemsOf, retryAfterOf } from '../../lib/api-errors.ts';
import { useFormFields, type FieldErrors } from '../../lib/use-form-fields.ts';
import { trpc } from '../../trpc.ts';

interface AcceptInvitationFormProps {
  token: string;
  /** The address the invitation is bound to; the account gets it, nothing to type. */
  boundEmail: string | null;
  /** The account exists and this tab is signed in with it. */
  onAccepted: (username: string) => void;
  /** The link stopped working meanwhile (used, revoked or expired). */
  onInvalid: () => void;
}

interface AccountFields {
  username: string;
  email: string;
  password: string;
  confirmation: string;
}

export function AcceptInvitationForm({ token, boundEmail, onAccepted, onInvalid }: AcceptInvitationFormProps) {
  const accept = trpc.invitation.accept.useMutation();
  const utils = trpc.useUtils();
  const queryClient = useQueryClient();
  const form = useFormFields<AccountFields, Omit<Refusal, 'title'>>(
    { username: '', email: '', password: '', confirmation: '' },
    // Changing the password can fix "does not match" as much as changing the confirmation.
    { related: { password: ['confirmation'] } },
  );
  const { username, email, password, confirmation } = form.values;

  // A new account has no second factor yet, so the longer minimum applies.
  const typedName = useDeferredValue(username.trim());
  const { verdict } = usePasswordVerdict(password, typedName || undefined, false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const errors: FieldErrors<AccountFields> = {};
    const name = usernameSchema.safeParse(username);
    if (!name.success) errors.username = username.trim() ? (name.error.issues[0]?.message ?? 'This username cannot be used.') : 'Choose a username.';
    const trimmedEmail = email.trim();
    const parsedEmail = !boundEmail && trimmedEmail ? emailSchema.safeParse(trimmedEmail) : null;
    if (parsedEmail && !parsedEmail.success) errors.email = 'Enter a valid email address, or leave it empty.';
    if (confirmation !== password) errors.confirmation = 'This does not match the password.';
    if (!form.check(errors) || !name.success) return;
    // Should the policy fail to load, the server's verdict (the one that counts) still applies.
    const evaluatePassword = await loadPasswordPolicy().catch(() => undefined);
    const check = evaluatePassword?.({ password, username: name.data, hasSecondFactor: false });
    if (check && !check.ok) {
      form.refuse({ message: 'The password does not meet the rules:', problems: check.problems });
      return;
    }
    accept.mutate(
      { token, username: name.data, password, ...(parsedEmail?.success ? { email: parsedEmail.data } : {}) },
      {
        onSuccess: (result) => {
          form.reset('password', 'confirmation');
          const replacedAnotherSession = getSessionState().status === 'signedIn';
          acceptSignIn(result);
          onAccepted(result.user.username);
          // Nothing the previous account saw may stay in memory for the new one; otherwise at
          // least the login page's "first start" notice must not come back from the cache.
          if (replacedAnotherSession) queryClient.clear();
          else void utils.system.info.invalidate();
        },
        onError: (error) => {
          switch (errorReasonOf(error)) {
            case 'INVITATION_INVALID':
              onInvalid();
              return;
            case 'USERNAME_TAKEN':
              form.refuse({ message: 'That username is already taken.' }, { username: 'That username is already taken. Choose another one.' });
              return;
            case 'EMAIL_TAKEN':
              form.refuse({ message: 'That email address already belongs to an account.' }, { email: 'That email address already belongs to an account.' });
              return;
            case 'INVITATION_EMAIL_MISMATCH':
              form.refuse({ message: 'This invitation is for a different email address.' }, { email: 'This invitation is for a different email address.' });
              return;
            case 'WEAK_PASSWORD':
              form.refuse({ message: 'The password does not meet the rules:', problems: passwordProblemsOf(error) });
              return;
            case 'RATE_LIMITED':
              form.refuse({ message: `Too many attempts. Try again in ${retryAfterOf(error) ?? 60} s.` });
              return;
            default:
              form.refuse({ message: describeApiError(error) });
          }
        },
      },
    );
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <Stack gap="md">
        <TextInput
          label="Username"
          description="3–32 characters: letters, digits, dot, dash or underscore. You sign in with it."
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={32}
          {...form.field('username')}
          data-autofocus
          autoFocus
        />
        {boundEmail ? (
          <TextInput label="Email" description="This invitation is for this address." value={boundEmail} readOnly />
        ) : (
          <TextInput
            label="Email (optional)"
            description="For security notices about your account."
            type="email"
            name="email"
            autoComplete="email"
            {...form.field('email')}
          />
        )}
        <NewPasswordFields
          label="Password"
          minLength={PASSWORD_MIN_SINGLE_FACTOR}
          password={form.field('password')}
          confirmation={form.field('confirmation')}
          verdict={verdict}
        />
        {form.refusal && <RefusalAlert refusal={{ title: 'Account not created', ...form.refusal }} />}
        <Button type="submit" loading={accept.isPending} fullWidth>
          Accept invitation
        </Button>
      </Stack>
    </form>
  );
}
