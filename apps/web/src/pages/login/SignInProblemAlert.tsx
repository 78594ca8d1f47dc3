// The one place a refused sign-in step is explained (role="alert", so it is announced).
import { Alert } from '@mantine/core';
import type { SignInProblem } from './sign-in-errors.ts';

export function SignInProblemAlert({ problem, secondsLeft }: { problem: SignInProblem; secondsLeft: number }) {
  const wait = problem.retryAfterSeconds === undefined ? '' : secondsLeft > 0 ? ` Try again in ${secondsLeft} s.` : ' You can try again now.';
  return (
    <Alert color="red" title={problem.title} data-testid="sign-in-error">
      {problem.message}
      {wait}
    </Alert>
  );
}
