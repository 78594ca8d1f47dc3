// Passwordless sign-in on the login page, two ways in:
//   - the button: a fresh challenge for a discoverable credential (no username), the browser's
//     passkey prompt, then passkey.authenticate;
//   - autofill (conditional mediation), where the browser supports it: started when the page
//     opens, the browser lists the site's passkeys among the username field's suggestions and
//     the request completes only when the person picks one.
// A page can have one WebAuthn request pending at a time: the button cancels the autofill
// request before opening its prompt and starts it again when its own attempt ends without a
// sign-in; leaving the page cancels whichever is pending. A passkey sign-in counts as two
// factors, so a success is a completed sign-in (acceptSignIn), never a second step.
import { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, startAuthentication, type AuthenticationResponseJSON } from '@simplewebauthn/browser';
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { acceptSignIn } from '../../../auth/session.ts';
import { dismissSessionNotice } from '../../../auth/session-store.ts';
import { cancelPasskeyPrompt } from '../../../components/reauth/passkey-prompt.ts';
import { useCountdown } from '../../../lib/use-countdown.ts';
import { trpc } from '../../../trpc.ts';
import type { SignInProblem } from '../sign-in-errors.ts';
import { describePasskeySignInError } from './passkey-sign-in-errors.ts';
import { offerPasskeysInUsernameField } from './username-autofill.ts';

/**
 * The server keeps a sign-in challenge 5 minutes; an autofill request can wait far longer for
 * the person, so it is renewed before its challenge lapses.
 */
const AUTOFILL_RENEW_MS = 4 * 60_000;

type Pending = 'autofill' | 'button' | null;

export interface PasskeySignIn {
  /** False: this browser has no WebAuthn at all (show nothing). */
  supported: boolean;
  /** A passkey is being checked (button prompt open, or an answer on its way to the server). */
  busy: boolean;
  problem: SignInProblem | null;
  /** Seconds to wait after a rate limit; the button stays disabled meanwhile. */
  secondsLeft: number;
  signIn: () => void;
}

/** `scope`: an element around the login form, where the username field is found. */
export function usePasskeySignIn(scope: RefObject<HTMLElement | null>): PasskeySignIn {
  const client = trpc.useUtils().client;
  const [supported] = useState(browserSupportsWebAuthn);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<SignInProblem | null>(null);
  const [autofillRound, setAutofillRound] = useState(0);
  const countdown = useCountdown();
  const startCountdown = countdown.start;
  const pending = useRef<Pending>(null);
  const mounted = useRef(false);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      // Leaving the page (signed in, or elsewhere): no prompt may outlive it.
      if (pending.current) {
        pending.current = null;
        cancelPasskeyPrompt();
      }
    };
  }, []);

  const report = useCallback(
    (error: unknown) => {
      const refused = describePasskeySignInError(error);
      if (!refused || !mounted.current) return;
      setProblem(refused);
      if (refused.retryAfterSeconds !== undefined) startCountdown(refused.retryAfterSeconds);
    },
    [startCountdown],
  );

  /** The authenticator answered: the server decides. Accepted even if the page was left meanwhile (the session exists). */
  const complete = useCallback(
    async (response: AuthenticationResponseJSON) => {
      dismissSessionNotice();
      if (mounted.current) setBusy(true);
      try {
        acceptSignIn(await client.passkey.authenticate.mutate({ response }));
      } finally {
        if (mounted.current) setBusy(false);
      }
    },
    [client],
  );

  // Autofill: one pending conditional request while the page is open and the button is idle.
  useEffect(() => {
    if (!supported) return;
    let live = true;
    let renew: ReturnType<typeof setTimeout> | undefined;
    void (async () => {
      const available = await browserSupportsWebAuthnAutofill().catch(() => false);
      if (!live || !available || !offerPasskeysInUsernameField(scope.current?.parentElement ?? document)) return;
      let optionsJSON;
      try {
        optionsJSON = await client.passkey.authenticationOptions.mutate();
      } catch {
        // No autofill this time (server unreachable, rate limited); the button explains itself.
        return;
      }
      if (!live || pending.current) return;
      pending.current = 'autofill';
      renew = setTimeout(() => setAutofillRound((n) => n + 1), AUTOFILL_RENEW_MS);
      let response: AuthenticationResponseJSON;
      try {
        response = await startAuthentication({ optionsJSON, useBrowserAutofill: true });
      } catch {
        // Cancelled (button, renewal, leaving the page) or not offered: nothing to say.
        return;
      } finally {
        clearTimeout(renew);
        if (pending.current === 'autofill') pending.current = null;
      }
      if (!live) return;
      try {
        await complete(response);
      } catch (error) {
        // Not restarted on its own: a browser that answers without asking would loop.
        report(error);
      }
    })();
    return () => {
      live = false;
      clearTimeout(renew);
      if (pending.current === 'autofill') {
        pending.current = null;
        cancelPasskeyPrompt();
      }
    };
  }, [supported, client, scope, complete, report, autofillRound]);

  const signIn = useCallback(() => {
    if (pending.current === 'button') return;
    if (pending.current === 'autofill') cancelPasskeyPrompt();
    pending.current = 'button';
    setProblem(null);
    dismissSessionNotice();
    setBusy(true);
    void (async () => {
      let signedIn = false;
      try {
        const optionsJSON = await client.passkey.authenticationOptions.mutate();
        const response = await startAuthentication({ optionsJSON });
        if (pending.current !== 'button') return; // the page was left meanwhile
        pending.current = null;
        await complete(response);
        signedIn = true;
      } catch (error) {
        report(error);
      } finally {
        if (pending.current === 'button') pending.current = null;
        if (mounted.current) {
          setBusy(false);
          // Offer passkeys in the username field again.
          if (!signedIn) setAutofillRound((n) => n + 1);
        }
      }
    })();
  }, [client, complete, report]);

  return { supported, busy, problem, secondsLeft: countdown.secondsLeft, signIn };
}
