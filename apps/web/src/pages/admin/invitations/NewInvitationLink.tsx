// The link of an invitation just created. The server keeps only the token's hash, so this is
// the one and only time anyone can see it: say so plainly, and make copying it easy.
import { Alert, Button, CopyButton, Group, Stack, Text, TextInput } from '@mantine/core';
import { formatDateTime } from '../../../lib/format.ts';
import { ROLE_LABEL } from '../roles.ts';
import type { CreatedInvitation } from './types.ts';

interface NewInvitationLinkProps {
  invitation: CreatedInvitation;
  onDone: () => void;
}

export function NewInvitationLink({ invitation, onDone }: NewInvitationLinkProps) {
  const who = invitation.email ? `${invitation.email}, as ${ROLE_LABEL[invitation.role]}` : `one person, as ${ROLE_LABEL[invitation.role]}`;
  return (
    <Alert color="yellow" variant="light" title="Copy the invitation link now: you will not see it again" role="status" data-testid="new-invitation">
      <Stack gap="sm">
        <Text size="sm">
          Only a fingerprint of the link is stored, so it cannot be shown again, not even to you. Send it over a channel you trust. It works once, for{' '}
          {who}, until {formatDateTime(invitation.expiresAt)}.
        </Text>
        <TextInput
          label="Invitation link"
          value={invitation.url}
          readOnly
          onFocus={(e) => e.currentTarget.select()}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          data-testid="invitation-url"
        />
        <Group gap="sm">
          <CopyButton value={invitation.url}>
            {({ copied, copy }) => (
              <Button onClick={copy} color={copied ? 'teal' : undefined} aria-live="polite">
                {copied ? 'Link copied' : 'Copy link'}
              </Button>
            )}
          </CopyButton>
          <Button variant="default" onClick={onDone}>
            Done
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
