// Admin → Invitations: create one (role, optional email, expiry) and copy its link once; see
// every invitation with its state; revoke a pending one.
import { Stack, Text, Title } from '@mantine/core';
import { CreateInvitationCard } from './invitations/CreateInvitationCard.tsx';
import { InvitationsTable } from './invitations/InvitationsTable.tsx';

export function InvitationsPage() {
  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Invitations</Title>
        <Text c="dimmed" size="sm">
          New accounts join by invitation link only.
        </Text>
      </div>
      <CreateInvitationCard />
      <InvitationsTable />
    </Stack>
  );
}
