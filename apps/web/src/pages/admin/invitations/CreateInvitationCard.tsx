// A new invitation: the role it grants, optionally the one email address that may use it, and
// how long it stays valid. Creating one needs a recent sign-in (step-up). The link is shown
// once, right here, until the admin closes it.
import { Alert, Button, Card, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { emailSchema, INVITATION_DEFAULT_HOURS, INVITATION_MAX_HOURS, type Role } from '@jutsu/shared';
import { useState, type FormEvent } from 'react';
import { StepUpCancelled, useStepUp } from '../../../components/reauth/use-step-up.tsx';
import { describeApiError, errorReasonOf, retryAfterOf } from '../../../lib/api-errors.ts';
import { useFormFields } from '../../../lib/use-form-fields.ts';
import { trpc } from '../../../trpc.ts';
import { isRole, ROLE_DESCRIPTION, ROLE_OPTIONS } from '../roles.ts';
import { NewInvitationLink } from './NewInvitationLink.tsx';
import type { CreatedInvitation } from './types.ts';

const EXPIRY_OPTIONS = [
  { value: '1', label: '1 hour' },
  { value: '24', label: '24 hours' },
  { value: String(INVITATION_DEFAULT_HOURS), label: `${INVITATION_DEFAULT_HOURS} hours` },
  { value: '72', label: '3 days' },
  { value: String(INVITATION_MAX_HOURS), label: `${INVITATION_MAX_HOURS / 24} days (longest)` },
];

function refusalMessage(error: unknown): string {
  if (errorReasonOf(error) === 'RATE_LIMITED') return `Too many requests. Try again in ${retryAfterOf(error) ?? 60} s.`;
  return describeApiError(error);
}

export function CreateInvitationCard() {
  const utils = trpc.useUtils();
  const create = trpc.invitation.create.useMutation();
  const { withStepUp, stepUpDialog } = useStepUp();
  const form = useFormFields<{ role: Role; email: string; hours: string }>({ role: 'viewer', email: '', hours: String(INVITATION_DEFAULT_HOURS) });
  const { role, email, hours } = form.values;
  const [created, setCreated] = useState<CreatedInvitation | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = email.trim();
    const parsedEmail = trimmed ? emailSchema.safeParse(trimmed) : null;
    if (!form.check({ email: parsedEmail && !parsedEmail.success ? 'Enter a valid email address, or leave it empty.' : undefined })) return;
    // A new link replaces the one on screen; the admin was told it will not come back.
    setCreated(null);
    try {
      const invitation = await withStepUp(
        () => create.mutateAsync({ role, expiresInHours: Number(hours), ...(parsedEmail?.success ? { email: parsedEmail.data } : {}) }),
        'Creating an invitation',
      );
      setCreated(invitation);
      form.reset('email');
    } catch (err) {
      if (!(err instanceof StepUpCancelled)) form.refuse(refusalMessage(err));
    } finally {
      void utils.invitation.list.invalidate();
    }
  };

  return (
    <Card withBorder padding="lg" aria-labelledby="new-invitation-title">
      {stepUpDialog}
      <Title order={3} size="h4" id="new-invitation-title">
        New invitation
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        The link creates one account with the chosen role. It works once and can be revoked until it is used.
      </Text>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Stack gap="md">
          <Group align="flex-start" gap="md" wrap="wrap">
            <Select
              label="Role"
              description="What the account may do"
              data={ROLE_OPTIONS}
              value={role}
              onChange={(value) => isRole(value) && form.set('role', value)}
              allowDeselect={false}
              w={200}
            />
            <TextInput
              label="Email (optional)"
              description="Only this address may accept"
              type="email"
              autoComplete="off"
              {...form.field('email')}
              w={280}
            />
            <Select
              label="Valid for"
              description="Unused, the link then expires"
              data={EXPIRY_OPTIONS}
              value={hours}
              onChange={(value) => value && form.set('hours', value)}
              allowDeselect={false}
              w={200}
            />
          </Group>
          <Text size="sm" c={role === 'admin' ? 'orange' : 'dimmed'} fw={role === 'admin' ? 600 : undefined} data-testid="role-description">
            {ROLE_DESCRIPTION[role]}
            {role === 'admin' && ' Invite an admin only when you are sure.'}
          </Text>
          <Button type="submit" loading={create.isPending} style={{ alignSelf: 'flex-start' }}>
            Create invitation
          </Button>
          {form.refusal && (
            <Alert color="red" role="alert" title="Invitation not created">
              {form.refusal}
            </Alert>
          )}
        </Stack>
      </form>
      {created && (
        <Stack mt="md">
          <NewInvitationLink invitation={created} onDone={() => setCreated(null)} />
        </Stack>
      )}
    </Card>
  );
}
