// For admins, on every screen: Schwab's 7-day login is about to end or has ended, with a
// one-click way to reconnect. Expiry must never be a surprise (the earlier system ran for a week
// and a half on an expired token while the equity chart silently froze).
import { Alert, Anchor, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { formatRelativeTime } from '../lib/format.ts';
import { trpc } from '../trpc.ts';

export function SchwabBanner() {
  // Refreshed by the live schwab.status_changed event (which invalidates queries) and every few minutes.
  const status = trpc.schwab.status.useQuery(undefined, { refetchInterval: 5 * 60_000, retry: false });
  const s = status.data;
  if (!s || (s.state !== 'expiring' && s.state !== 'reauth_required')) return null;
  const reauth = s.state === 'reauth_required';
  return (
    <Alert color={reauth ? 'red' : 'orange'} mb="md" title={reauth ? 'Schwab needs reconnecting' : 'Schwab login ends soon'} data-testid="schwab-banner">
      <Text size="sm">
        {reauth
          ? `Schwab refused the stored login${s.lastError ? ` (${s.lastError})` : ''}: balances, positions and orders are not updating.`
          : `Schwab's login ends ${s.refreshTokenExpiresAt ? formatRelativeTime(s.refreshTokenExpiresAt, new Date()) : 'soon'}; after that nothing updates until someone reconnects.`}{' '}
        <Anchor component={Link} to="/admin/schwab">
          Reconnect now
        </Anchor>
      </Text>
    </Alert>
  );
}
