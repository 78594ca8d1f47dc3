// First sign-in step: username and password. Either the sign-in completes here, or the server
// asks for a second factor and the caller shows that step.
import { Button, Stack, TextInput } from '@mantine/core';
import type { FormEvent } from 'react';
import { acceptSignIn } from '../../auth/session.ts';
import { dismissSessionNotice } from '../../auth/session-store.ts';
import { CurrentPasswordInput } from '../../components/password/CurrentPasswordInput.tsx';
import { useCountdown } from '../../lib/use-countdown.ts';
import { useFormFields } from '../../lib/use-form-fields.ts';
import { trpc } from '../../trpc.ts';
import { describeSignInError, type SignInProblem } from './sign-in-errors.ts';
import { SignInProblemAlert } from './SignInProblemAlert.tsx';
import type { SecondFactorChallenge } from './SecondFactorStep.tsx';

interface CredentialsFormProps {
  onSecondFactor: (challenge: SecondFactorChallenge) => void;
}

export function CredentialsForm({ onSecondFactor }: CredentialsFormProps) {
  const countdown = useCountdown();
  const waiting = countdown.secondsLeft > 0;
  // While the server makes us wait, its refusal stays: it says why the button is disabled.
  const form = useFormFields<{ username: string; password: string }, SignInProblem>({ username: '', password: '' }, { keepRefusal: waiting });
  const login = trpc.auth.login.useMutation();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    dismissSessionNotice();
    const { username, password } = form.values;
    const complete = form.check({
      username: username.trim() ? undefined : 'Enter your username.',
      password: password ? undefined : 'Enter your password.',
    });
    if (!complete) return;
    login.mutate(
      { username: username.trim(), password },
      {
        onSuccess: (result) => {
          // The password is not needed any more; don't keep it in component state.
          form.reset('password');
          if (result.status === 'ok') acceptSignIn(result);
          else onSecondFactor({ challengeToken: result.challengeToken, methods: result.methods });
        },
        onError: (error) => {
          const refused = describeSignInError(error);
          form.refuse(refused);
          if (refused.retryAfterSeconds !== undefined) countdown.start(refused.retryAfterSeconds);
        },
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {form.refusal && <SignInProblemAlert problem={form.refusal} secondsLeft={countdown.secondsLeft} />}
        <TextInput
          label="Username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          {...form.field('username')}
          maxLength={64}
          data-autofocus
          autoFocus
        />
        <CurrentPasswordInput label="Password" name="password" field={form.field('password')} />
        <Button type="submit" loading={login.isPending} disabled={waiting} fullWidth>
          Sign in
        </Button>
      </Stack>
    </form>
  );
}
