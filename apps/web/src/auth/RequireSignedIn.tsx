// Route guard for the signed-in area: waits for the session to be restored at page load,
// then either shows the screen or sends the person to sign in (and back here afterwards).
import { Navigate, Outlet, useLocation } from 'react-router-dom';
import { PageLoader } from '../components/PageLoader.tsx';
import { loginPathReturningTo } from './safe-next.ts';
import { useSessionState } from './session-store.ts';

export function RequireSignedIn() {
  const session = useSessionState();
  const location = useLocation();
  if (session.status === 'restoring') return <PageLoader label="Restoring your session…" />;
  if (session.status === 'signedOut') {
    return <Navigate to={loginPathReturningTo(`${location.pathname}${location.search}${location.hash}`)} replace />;
  }
  return <Outlet />;
}
