// /login: password first, then a second factor when the account has one. Once signed in, the
// page moves on to `next` (a same-site path only) or the default screen.
import { Alert, Center, Paper, Stack, Title } from '@mantine/core';
import { useCallback, useState } from 'react';
import { Navigate, useSearchParams } from 'react-router-dom';
import { returnPageName, safeNextPath } from '../../auth/safe-next.ts';
import { useSessionState, type SessionNotice } from '../../auth/session-store.ts';
import { PageLoader } from '../../components/PageLoader.tsx';
import { BootstrapNotice } from './BootstrapNotice.tsx';
import { CredentialsForm } from './CredentialsForm.tsx';
import { LowBackupCodesNotice, lowBackupCodesAfter } from './LowBackupCodesNotice.tsx';
import { PasskeySignInButton } from './passkey/PasskeySignInButton.tsx';
import { SecondFactorStep, type SecondFactorChallenge } from './SecondFactorStep.tsx';
import { useVerifySecondFactor, type SecondFactorOutcome } from './use-verify-second-factor.ts';

export function LoginPage() {
  const session = useSessionState();
  const [params] = useSearchParams();
  const [challenge, setChallenge] = useState<SecondFactorChallenge | null>(null);
  // Set when a backup-code sign-in left few codes: warn before moving on.
  const [lowBackupCodes, setLowBackupCodes] = useState<number | null>(null);
  const verifySecondFactor = useVerifySecondFactor(useCallback((outcome: SecondFactorOutcome) => setLowBackupCodes(lowBackupCodesAfter(outcome)), []));

  // Signed out from the notice (the page stayed mounted): start from the password again.
  if (session.status === 'signedOut' && lowBackupCodes !== null) {
    setLowBackupCodes(null);
    setChallenge(null);
  }
  if (session.status === 'restoring') return <PageLoader label="Checking for an existing session…" />;
  if (session.status === 'signedIn' && lowBackupCodes !== null) return <LowBackupCodesNotice remaining={lowBackupCodes} next={safeNextPath(params.get('next'))} />;
  if (session.status === 'signedIn') return <Navigate to={safeNextPath(params.get('next'))} replace />;

  return (
    <Center py="xl">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={420}>
        <Stack gap="lg">
          <Title order={2}>Sign in</Title>
          {session.notice && <SessionNoticeAlert notice={session.notice} />}
          {!session.notice && <ReturnToNotice next={params.get('next')} />}
          {challenge ? (
            <SecondFactorStep
              methods={challenge.methods}
              onSubmit={(code) => verifySecondFactor(challenge.challengeToken, code)}
              onCancel={() => setChallenge(null)}
            />
          ) : (
            <>
              <CredentialsForm onSecondFactor={setChallenge} />
              <PasskeySignInButton />
            </>
          )}
          <BootstrapNotice />
        </Stack>
      </Paper>
    </Center>
  );
}

/** Why this tab is signed out; an ended session is announced, a chosen sign-out only shown. */
function SessionNoticeAlert({ notice }: { notice: SessionNotice }) {
  if (notice.kind === 'signedOut') {
    return (
      <Alert color="blue" role="status" data-testid="session-notice">
        {notice.message}
      </Alert>
    );
  }
  return (
    <Alert color={notice.kind === 'ended' ? 'orange' : 'yellow'} title={notice.title ?? (notice.kind === 'ended' ? 'Signed out' : 'Could not confirm your session')} data-testid="session-notice">
      {notice.message}
    </Alert>
  );
}

/** A signed-in screen was opened while signed out: say which, and that sign-in leads back there. */
function ReturnToNotice({ next }: { next: string | null }) {
  const page = returnPageName(next);
  if (!page) return null;
  return (
    <Alert color="blue" role="status" data-testid="return-to-notice">
      Sign in to open {page}. You will be taken there afterwards.
    </Alert>
  );
}
