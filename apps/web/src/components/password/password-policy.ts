// The password policy with its strength dictionaries (~1.7 MB of word lists) is fetched only
// when a field that shows the meter appears, once per page load, and shared by every form.
import type { EvaluatePassword } from '@jutsu/shared/password-policy';
import { useEffect, useState } from 'react';

export type { EvaluatePassword };

let loading: Promise<EvaluatePassword> | undefined;

export function loadPasswordPolicy(): Promise<EvaluatePassword> {
  loading ??= import('@jutsu/shared/password-policy').then(
    (m) => m.loadPasswordPolicy(),
    (err: unknown) => {
      loading = undefined; // a failed fetch (offline, deploy in between) is retried next time
      throw err;
    },
  );
  return loading;
}

/** The policy once loaded; undefined meanwhile (the meter shows nothing yet). */
export function usePasswordPolicy(): EvaluatePassword | undefined {
  const [evaluate, setEvaluate] = useState<{ fn: EvaluatePassword }>();
  useEffect(() => {
    let live = true;
    loadPasswordPolicy().then(
      (fn) => live && setEvaluate({ fn }),
      () => undefined, // the server's verdict still applies on submit
    );
    return () => {
      live = false;
    };
  }, []);
  return evaluate?.fn;
}
