// Where Schwab sends the browser after the login: the address (code and state inside) goes to
// schwab.callback at once (the code lives about 30 seconds), is then removed from the address
// bar and history, and the page moves on to Admin → Schwab.
import { Alert, Anchor, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { InlineLoader } from '../../components/QueryStatus.tsx';
import { describeApiError } from '../../lib/api-errors.ts';
import { trpc } from '../../trpc.ts';

export function SchwabCallbackPage() {
  const callback = trpc.schwab.callback.useMutation();
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const started = useRef(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (started.current) return; // once, even under StrictMode's double effects
    started.current = true;
    const url = window.location.href;
    // The code must not stay in the address bar or the history.
    window.history.replaceState(null, '', window.location.pathname);
    callback
      .mutateAsync({ url })
      .then(async () => {
        await utils.schwab.status.invalidate();
        void navigate('/admin/schwab', { replace: true });
      })
      .catch((err: unknown) => setError(describeApiError(err)));
  }, [callback, navigate, utils]);

  return (
    <Stack gap="md" maw={560}>
      <Title order={2}>Connecting Schwab</Title>
      {error ? (
        <Alert color="red" role="alert" title="Schwab could not be connected">
          <Text size="sm">{error}</Text>
          <Anchor component={Link} to="/admin/schwab" size="sm">
            Back to Admin → Schwab
          </Anchor>
        </Alert>
      ) : (
        <InlineLoader label="Finishing the Schwab login…" />
      )}
    </Stack>
  );
}
