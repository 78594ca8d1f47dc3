// Settings → Security: where this account is signed in, and its password.
import { Card, Stack, Text, Title } from '@mantine/core';
import { useSignedInUser } from '../../../auth/signed-in-user.ts';
import { LazyChangePasswordForm } from '../../../components/password/LazyChangePasswordForm.tsx';
import { PasskeysSection } from './passkeys/PasskeysSection.tsx';
import { PasswordLockCard } from './PasswordLockCard.tsx';
import { SessionsCard } from './SessionsCard.tsx';
import { TwoFactorSection } from './two-factor/TwoFactorSection.tsx';

export function SecuritySettings() {
  const user = useSignedInUser();
  if (!user) return null;
  return (
    <Stack gap="lg">
      <PasswordLockCard />
      <SessionsCard />
      <TwoFactorSection />
      <PasskeysSection />
      <Card withBorder padding="lg" aria-labelledby="change-password-title">
        <Title order={3} size="h4" id="change-password-title">
          Password
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          Changing it signs out every other session of this account.
        </Text>
        <LazyChangePasswordForm username={user.username} hasSecondFactor={user.twoFactorEnabled} />
      </Card>
    </Stack>
  );
}
