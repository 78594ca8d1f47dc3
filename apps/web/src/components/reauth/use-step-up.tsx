// Sensitive changes need a recent sign-in (the server answers REAUTH_REQUIRED otherwise):
// withStepUp(call) runs the call; on REAUTH_REQUIRED it opens ConfirmPasswordDialog and,
// once the password is confirmed (auth.reauthenticate), repeats the call once. Render
// `stepUpDialog` somewhere in the screen. Cancelling rejects with StepUpCancelled, which
// callers ignore (the person chose not to go on: nothing to report).
import { useRef, useState, type ReactNode } from 'react';
import { errorReasonOf } from '../../lib/api-errors.ts';
import { ConfirmPasswordDialog } from './ConfirmPasswordDialog.tsx';

export class StepUpCancelled extends Error {
  constructor() {
    super('Confirmation cancelled.');
    this.name = 'StepUpCancelled';
  }
}

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
}

export function useStepUp(): { withStepUp: <T>(call: () => Promise<T>, action?: string) => Promise<T>; stepUpDialog: ReactNode } {
  const [open, setOpen] = useState(false);
  const [action, setAction] = useState<string | undefined>(undefined);
  const pending = useRef<Pending | null>(null);

  async function withStepUp<T>(call: () => Promise<T>, actionLabel?: string): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (errorReasonOf(err) !== 'REAUTH_REQUIRED') throw err;
      await new Promise<void>((resolve, reject) => {
        pending.current?.reject(new StepUpCancelled());
        pending.current = { resolve, reject };
        setAction(actionLabel);
        setOpen(true);
      });
      return call();
    }
  }

  const settle = (confirmed: boolean) => {
    setOpen(false);
    const waiting = pending.current;
    pending.current = null;
    if (confirmed) waiting?.resolve();
    else waiting?.reject(new StepUpCancelled());
  };

  const stepUpDialog = <ConfirmPasswordDialog opened={open} action={action} onConfirmed={() => settle(true)} onCancel={() => settle(false)} />;
  return { withStepUp, stepUpDialog };
}
