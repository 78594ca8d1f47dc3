// Live verdict of the shared password policy (the same code the server runs), so a person
// sees why a password would be refused before sending it. The server's verdict still decides.
import { Group, List, Progress, Stack, Text } from '@mantine/core';
import type { PasswordVerdict } from '@jutsu/shared';

const SCORE_LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;
const SCORE_COLORS = ['red', 'red', 'orange', 'teal', 'green'] as const;

interface PasswordStrengthMeterProps {
  /** null until something is typed. */
  verdict: PasswordVerdict | null;
}

export function PasswordStrengthMeter({ verdict }: PasswordStrengthMeterProps) {
  const score = verdict ? Math.min(Math.max(verdict.score, 0), 4) : 0;
  const label = verdict ? SCORE_LABELS[score] : 'Not entered yet';
  return (
    <Stack gap={6} data-testid="password-strength">
      <Group justify="space-between" gap="xs">
        <Text size="sm">
          Strength: <strong>{label}</strong>
        </Text>
        {verdict?.ok && (
          <Text size="sm" c="green" fw={600}>
            Meets the password rules
          </Text>
        )}
      </Group>
      {/* The bar itself (role="progressbar") carries the name and the verdict in words. */}
      <Progress.Root size="sm" transitionDuration={150}>
        <Progress.Section value={verdict ? (score + 1) * 20 : 0} color={SCORE_COLORS[score]} aria-label="Password strength" aria-valuetext={label} />
      </Progress.Root>
      {/* Polite: read out after typing pauses, not on every key. */}
      <div aria-live="polite">
        {verdict && !verdict.ok && (
          <List size="sm" c="red" spacing={2} data-testid="password-problems">
            {verdict.problems.map((problem) => (
              <List.Item key={problem}>{problem}</List.Item>
            ))}
          </List>
        )}
        {verdict && !verdict.ok && verdict.suggestions[0] && (
          <Text size="sm" c="dimmed" mt={4}>
            Tip: {verdict.suggestions[0]}
          </Text>
        )}
      </div>
    </Stack>
  );
}
