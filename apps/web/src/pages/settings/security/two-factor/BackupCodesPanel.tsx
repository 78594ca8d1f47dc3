// Backup codes are shown exactly once (the server keeps only hashes): copy them, download
// them as a text file, and confirm "I have saved them" before the panel can be closed.
// Closing or reloading the tab before that asks the browser to confirm.
import { Alert, Button, Checkbox, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useSignedInUser } from '../../../../auth/signed-in-user.ts';
import { formatDateTime } from '../../../../lib/format.ts';

export const BACKUP_CODES_FILE_NAME = 'jutsu-backup-codes.txt';

interface BackupCodesPanelProps {
  codes: readonly string[];
  /** Heading: first codes after enrolment, or a new set replacing the old one. */
  title: string;
  /** Extra facts about the change that produced the codes (e.g. sessions signed out). */
  note?: string | undefined;
  onDone: () => void;
}

function codesAsText(codes: readonly string[], username: string | undefined): string {
  return [
    `Jutsu Labs backup codes${username ? ` for ${username}` : ''}`,
    `Created ${formatDateTime(new Date())}`,
    '',
    'Each code signs you in once when you cannot use your authenticator app.',
    'Keep them somewhere safe, away from this computer. Older codes no longer work.',
    '',
    ...codes,
    '',
  ].join('\n');
}

export function BackupCodesPanel({ codes, title, note, onDone }: BackupCodesPanelProps) {
  const user = useSignedInUser();
  const [saved, setSaved] = useState(false);
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const [downloaded, setDownloaded] = useState(false);
  const text = codesAsText(codes, user?.username);

  // Until the person says they saved the codes, leaving the page loses them for good.
  useEffect(() => {
    if (saved) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [saved]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopyState('copied');
    } catch {
      setCopyState('failed');
    }
  };

  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = BACKUP_CODES_FILE_NAME;
    link.style.display = 'none';
    document.body.append(link);
    link.click();
    link.remove();
    // Revoked a little later: some browsers read the URL after click() has returned.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setDownloaded(true);
  };

  return (
    <Stack gap="md" data-testid="backup-codes-panel">
      <Title order={4} size="h5">
        {title}
      </Title>
      {note && (
        <Text size="sm" role="status">
          {note}
        </Text>
      )}
      <Alert color="yellow" title="Save these codes now" role="note">
        If you lose your authenticator app, each of these codes signs you in once. They are shown only this time: store them in a password manager or print them.
      </Alert>
      <Paper withBorder p="md" radius="sm" bg="var(--mantine-color-default-hover)" maw={440}>
        <ol aria-label="Backup codes" style={{ display: 'grid', gridTemplateColumns: 'repeat(2, 1fr)', gap: '6px 16px', listStyle: 'none', margin: 0, padding: 0 }}>
          {codes.map((code) => (
            <Text component="li" key={code} ff="monospace" fz="md" fw={500} ta="center" data-testid="backup-code" style={{ letterSpacing: '0.05em' }}>
              {code}
            </Text>
          ))}
        </ol>
      </Paper>
      <Group gap="sm">
        <Button variant="light" onClick={() => void copy()}>
          Copy codes
        </Button>
        <Button variant="light" onClick={download}>
          Download codes
        </Button>
      </Group>
      {copyState === 'copied' && (
        <Text size="sm" c="green" role="status">
          Copied to the clipboard.
        </Text>
      )}
      {copyState === 'failed' && (
        <Alert color="red" role="alert">
          The browser did not allow copying. Select the codes and copy them by hand, or download them.
        </Alert>
      )}
      {downloaded && (
        <Text size="sm" c="dimmed" role="status">
          Downloaded as {BACKUP_CODES_FILE_NAME}.
        </Text>
      )}
      <Checkbox label="I have saved them" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} />
      <Group>
        <Button onClick={onDone} disabled={!saved}>
          Done
        </Button>
        {!saved && (
          <Text size="sm" c="dimmed">
            Confirm that you saved the codes to continue.
          </Text>
        )}
      </Group>
    </Stack>
  );
}
