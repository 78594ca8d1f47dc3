// The end of a dialog's form: what went wrong (if anything), then Cancel and the submit button.
import { Alert, Button, Group, type MantineColor } from '@mantine/core';

export interface FormActionsProps {
  error: string | null;
  onCancel: () => void;
  submitLabel: string;
  pending: boolean;
  submitColor?: MantineColor;
}

export function FormActions({ error, onCancel, submitLabel, pending, submitColor }: FormActionsProps) {
  return (
    <>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" loading={pending} {...(submitColor ? { color: submitColor } : {})}>
          {submitLabel}
        </Button>
      </Group>
    </>
  );
}
