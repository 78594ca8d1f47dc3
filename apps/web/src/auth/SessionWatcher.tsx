// Keeps the screen in step with the session: listens for this session being revoked
// elsewhere (events.session), and when the session ends, forgets cached data and goes to the
// login page, which shows why.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { errorReasonOf } from '../lib/api-errors.ts';
import { trpc } from '../trpc.ts';
import { loginPathReturningTo } from './safe-next.ts';
import { refreshAccessToken, sessionRefusedByServer, sessionRevoked } from './session.ts';
import { getSessionState, useSessionState } from './session-store.ts';

export function SessionWatcher() {
  const session = useSessionState();
  useReturnToLoginWhenSessionEnds(session.status === 'signedIn');
  return session.status === 'signedIn' ? <SessionEventsListener /> : null;
}

function useReturnToLoginWhenSessionEnds(signedIn: boolean) {
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const wasSignedIn = useRef(signedIn);
  const here = `${location.pathname}${location.search}${location.hash}`;

  useEffect(() => {
    if (wasSignedIn.current && !signedIn) {
      // Nothing the last user saw may stay in memory for whoever signs in next.
      queryClient.clear();
      if (!staysWhenSignedOut(location.pathname)) navigate(loginPathReturningTo(here), { replace: true });
    }
    wasSignedIn.current = signedIn;
  }, [signedIn, here, location.pathname, navigate, queryClient]);
}

/** The not-me page ends this very session itself, and must stay to say it worked. */
function staysWhenSignedOut(pathname: string): boolean {
  return pathname === '/not-me' || pathname.startsWith('/not-me/');
}

/** The live "your session was revoked" message; the socket's 4003 close is the backstop (trpc.ts). */
function SessionEventsListener() {
  const resetRef = useRef<() => void>(() => undefined);
  const resubscribe = useResubscribe(resetRef);
  const subscription = trpc.events.session.useSubscription(undefined, {
    onStarted: () => resubscribe.succeeded(),
    onData: (event) => {
      if (event.type === 'revoked') sessionRevoked(event.reason);
    },
    onError: (error) => {
      const reason = errorReasonOf(error);
      if (reason === 'ACCOUNT_DISABLED') {
        sessionRevoked('account_disabled');
        return;
      }
      if (reason === 'SESSION_REVOKED') {
        // Ask the refresh cookie why, so the login page can say it.
        sessionRefusedByServer();
        return;
      }
      // Anything else (a token that lapsed meanwhile, a rate limit, the server restarting):
      // this tab must not stop listening, so refresh if needed and subscribe again, backing off.
      resubscribe.schedule(reason === 'TOKEN_EXPIRED' || reason === 'TOKEN_INVALID');
    },
  });
  useEffect(() => {
    resetRef.current = subscription.reset;
  }, [subscription.reset]);
  return null;
}

const RESUBSCRIBE_MAX_DELAY_MS = 30_000;

/** Subscribing again after a failure, backing off: 1 s, 2 s, 4 s … 30 s; back to 1 s once it works. */
function useResubscribe(resetRef: { readonly current: () => void }) {
  const failures = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const [controls] = useState(() => {
    const schedule = (needsFreshToken: boolean) => {
      const delay = Math.min(1_000 * 2 ** failures.current, RESUBSCRIBE_MAX_DELAY_MS);
      failures.current += 1;
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void again(needsFreshToken), delay);
    };
    const again = async (needsFreshToken: boolean) => {
      if (getSessionState().status !== 'signedIn') return;
      // A new token also replaces the socket (trpc.ts), so the retry presents it.
      if (needsFreshToken && !(await refreshAccessToken())) {
        schedule(true);
        return;
      }
      resetRef.current();
    };
    return {
      succeeded: () => {
        failures.current = 0;
      },
      schedule,
    };
  });
  return controls;
}
