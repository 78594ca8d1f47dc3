// What an invitation link offers, as invitation.inspect reports it: the role (and what it may
// do), the email address it is bound to, and until when it can be used.
import { Badge, Group, SimpleGrid, Text } from '@mantine/core';
import type { AppRouter } from '@jutsu/api/router';
import type { inferRouterOutputs } from '@trpc/server';
import type { ReactNode } from 'react';
import { formatDateTime } from '../../lib/format.ts';
import { ROLE_COLOR, ROLE_DESCRIPTION, ROLE_LABEL } from '../admin/roles.ts';

export type InvitationOffer = inferRouterOutputs<AppRouter>['invitation']['inspect'];

export function InvitationDetails({ offer }: { offer: InvitationOffer }) {
  return (
    <div data-testid="invitation-details">
      <Text mb="sm">
        {offer.isBootstrap
          ? 'This one-time link from the server’s first start creates the first account of this installation, with full control.'
          : 'You have been invited to create an account.'}
      </Text>
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm" component="dl" m={0}>
        <Item label="Role">
          <Group gap={6}>
            <Badge color={ROLE_COLOR[offer.role]} variant="light">
              {ROLE_LABEL[offer.role]}
            </Badge>
          </Group>
        </Item>
        <Item label="Valid until">{formatDateTime(offer.expiresAt)}</Item>
        {offer.email && <Item label="For">{offer.email}</Item>}
      </SimpleGrid>
      <Text size="sm" c="dimmed" mt="sm">
        {ROLE_DESCRIPTION[offer.role]}
      </Text>
    </div>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text component="dd" m={0} size="sm">
        {children}
      </Text>
    </div>
  );
}
