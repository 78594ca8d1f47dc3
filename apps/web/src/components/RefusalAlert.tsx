// Why the server refused a form: a title, one sentence, and the rule-by-rule problems when
// there are some (a weak password).
import { Alert, List } from '@mantine/core';

export interface Refusal {
  title: string;
  message: string;
  problems?: string[] | undefined;
}

export function RefusalAlert({ refusal }: { refusal: Refusal }) {
  return (
    <Alert color="red" role="alert" title={refusal.title}>
      {refusal.message}
      {refusal.problems && refusal.problems.length > 0 && (
        <List size="sm" mt={4}>
          {refusal.problems.map((problem) => (
            <List.Item key={problem}>{problem}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
