// Second sign-in step: a code from the authenticator app, or (switch) a single-use backup
// code. What is offered comes from the server's `methods`. The step only collects the code;
// `onSubmit` sends it and rejects with the API error when it is refused.
import { Anchor, Button, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useCountdown } from '../../lib/use-countdown.ts';
import { describeSignInError, type SignInProblem } from './sign-in-errors.ts';
import { SignInProblemAlert } from './SignInProblemAlert.tsx';

export type SecondFactorMethod = 'totp' | 'backup_code';

export interface SecondFactorChallenge {
  challengeToken: string;
  methods: readonly SecondFactorMethod[];
}

interface SecondFactorStepProps {
  methods: readonly SecondFactorMethod[];
  onSubmit: (code: string) => Promise<void>;
  /** Back to username and password (also the way out of an expired challenge). */
  onCancel: () => void;
}

/** Spaces and dashes are how codes are printed and read aloud, not part of them. */
function normaliseCode(raw: string): string {
  return raw.replace(/[\s-]/g, '');
}

export function SecondFactorStep({ methods, onSubmit, onCancel }: SecondFactorStepProps) {
  const offersTotp = methods.includes('totp');
  const offersBackup = methods.includes('backup_code');
  const [useBackup, setUseBackup] = useState(!offersTotp);
  const [code, setCode] = useState('');
  const [missing, setMissing] = useState<string | undefined>();
  const [problem, setProblem] = useState<SignInProblem | null>(null);
  const [pending, setPending] = useState(false);
  const countdown = useCountdown();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = normaliseCode(code);
    if (!value) {
      setMissing('Enter the code.');
      return;
    }
    setMissing(undefined);
    setProblem(null);
    setPending(true);
    try {
      await onSubmit(value);
    } catch (error) {
      const refused = describeSignInError(error);
      setProblem(refused);
      setCode('');
      if (refused.retryAfterSeconds !== undefined) countdown.start(refused.retryAfterSeconds);
    } finally {
      setPending(false);
    }
  };

  const switchMethod = (backup: boolean) => {
    setUseBackup(backup);
    setCode('');
    setMissing(undefined);
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Stack gap="md">
        <Title order={3} size="h4">
          Two-step verification
        </Title>
        <Text size="sm" c="dimmed">
          {useBackup
            ? 'Enter one of the backup codes you saved when you set up two-step verification. Each code works once.'
            : 'Enter the 6-digit code your authenticator app shows for Jutsu Labs.'}
        </Text>
        {problem && <SignInProblemAlert problem={problem} secondsLeft={countdown.secondsLeft} />}
        {problem?.restart ? (
          <Button onClick={onCancel} variant="light">
            Start again
          </Button>
        ) : (
          <>
            <TextInput
              key={useBackup ? 'backup' : 'totp'}
              label="Code"
              name="code"
              value={code}
              onChange={(e) => setCode(e.currentTarget.value)}
              error={missing}
              autoComplete={useBackup ? 'off' : 'one-time-code'}
              inputMode={useBackup ? 'text' : 'numeric'}
              autoCapitalize="none"
              spellCheck={false}
              maxLength={useBackup ? 64 : 12}
              autoFocus
            />
            {offersTotp && offersBackup && (
              <Switch label="Use a backup code" checked={useBackup} onChange={(e) => switchMethod(e.currentTarget.checked)} />
            )}
            <Button type="submit" loading={pending} disabled={countdown.secondsLeft > 0} fullWidth>
              Verify
            </Button>
          </>
        )}
        {!problem?.restart && (
          <Anchor component="button" type="button" size="sm" onClick={onCancel}>
            Sign in with a different account
          </Anchor>
        )}
      </Stack>
    </form>
  );
}
