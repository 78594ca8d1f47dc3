// First sign-in step: username and password. Either the sign-in completes here, or the server
// asks for a second factor and the caller shows that step.
import { Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { acceptSignIn } from '../../auth/session.ts';
import { dismissSessionNotice } from '../../auth/session-store.ts';
import { useCountdown } from '../../lib/use-countdown.ts';
import { trpc } from '../../trpc.ts';
import { describeSignInError, type SignInProblem } from './sign-in-errors.ts';
import { SignInProblemAlert } from './SignInProblemAlert.tsx';
import type { SecondFactorChallenge } from './SecondFactorStep.tsx';

interface CredentialsFormProps {
  onSecondFactor: (challenge: SecondFactorChallenge) => void;
}

export function CredentialsForm({ onSecondFactor }: CredentialsFormProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<{ username?: string; password?: string }>({});
  const [problem, setProblem] = useState<SignInProblem | null>(null);
  const countdown = useCountdown();
  const login = trpc.auth.login.useMutation();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    dismissSessionNotice();
    const nowMissing = {
      ...(username.trim() ? {} : { username: 'Enter your username.' }),
      ...(password ? {} : { password: 'Enter your password.' }),
    };
    setMissing(nowMissing);
    if (nowMissing.username || nowMissing.password) return;
    setProblem(null);
    login.mutate(
      { username: username.trim(), password },
      {
        onSuccess: (result) => {
          // The password is not needed any more; don't keep it in component state.
          setPassword('');
          if (result.status === 'ok') acceptSignIn(result);
          else onSecondFactor({ challengeToken: result.challengeToken, methods: result.methods });
        },
        onError: (error) => {
          const refused = describeSignInError(error);
          setProblem(refused);
          if (refused.retryAfterSeconds !== undefined) countdown.start(refused.retryAfterSeconds);
        },
      },
    );
  };

  const waiting = countdown.secondsLeft > 0;
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        {problem && <SignInProblemAlert problem={problem} secondsLeft={countdown.secondsLeft} />}
        <TextInput
          label="Username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onChange={(e) => setUsername(e.currentTarget.value)}
          error={missing.username}
          maxLength={64}
          data-autofocus
          autoFocus
        />
        <PasswordInput
          label="Password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={missing.password}
        />
        <Button type="submit" loading={login.isPending} disabled={waiting} fullWidth>
          Sign in
        </Button>
      </Stack>
    </form>
  );
}
