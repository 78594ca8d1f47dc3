// Second sign-in step: a code from the authenticator app, or (switch) a single-use backup
// code. What is offered comes from the server's `methods`. The step only collects the code;
// `onSubmit` sends it and rejects with the API error when it is refused.
import { Anchor, Button, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useCountdown } from '../../lib/use-countdown.ts';
import { useFormFields } from '../../lib/use-form-fields.ts';
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
  const [pending, setPending] = useState(false);
  const countdown = useCountdown();
  // While the server makes us wait, its refusal stays: it says why the button is disabled.
  const form = useFormFields<{ code: string }, SignInProblem>({ code: '' }, { keepRefusal: countdown.secondsLeft > 0 });
  const problem = form.refusal;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = normaliseCode(form.values.code);
    if (!form.check({ code: value ? undefined : 'Enter the code.' })) return;
    setPending(true);
    try {
      await onSubmit(value);
    } catch (error) {
      const refused = describeSignInError(error);
      form.refuse(refused);
      form.reset('code');
      if (refused.retryAfterSeconds !== undefined) countdown.start(refused.retryAfterSeconds);
    } finally {
      setPending(false);
    }
  };

  const switchMethod = (backup: boolean) => {
    setUseBackup(backup);
    form.reset('code');
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
              {...form.field('code')}
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
