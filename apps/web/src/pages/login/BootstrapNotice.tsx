// A fresh install has no account yet. The way in is the one-time link the server printed at
// start; it is deliberately not shown (nor linked) here: only whoever can read the server's
// output may create the first admin.
import { Alert } from '@mantine/core';
import { trpc } from '../../trpc.ts';

export function BootstrapNotice() {
  const info = trpc.system.info.useQuery();
  if (!info.data?.bootstrapPending) return null;
  return (
    <Alert color="blue" role="status" title="No account exists yet" data-testid="bootstrap-notice">
      First start: open the one-time link printed in the server output to create the admin account.
    </Alert>
  );
}
