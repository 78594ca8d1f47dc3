// Every screen and its URL. Add a screen here (inside the layout route; signed-in screens
// inside RequireSignedIn) and, if it should appear in the menu, add an entry to NAV_ITEMS in
// layout/navigation.ts.
import { Navigate, useRoutes, type RouteObject } from 'react-router-dom';
import { RequireSignedIn } from './auth/RequireSignedIn.tsx';
import { AppLayout } from './layout/AppLayout.tsx';
import { InvitationsPage } from './pages/admin/InvitationsPage.tsx';
import { RequireAdmin } from './pages/admin/RequireAdmin.tsx';
import { SecurityLogPage } from './pages/admin/SecurityLogPage.tsx';
import { UsersPage } from './pages/admin/UsersPage.tsx';
import { AcceptInvitationPage } from './pages/invite/AcceptInvitationPage.tsx';
import { LoginPage } from './pages/login/LoginPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { NotMePage } from './pages/NotMePage.tsx';
import { SecuritySettings } from './pages/settings/security/SecuritySettings.tsx';
import { SettingsPage } from './pages/settings/SettingsPage.tsx';
import { StatusPage } from './pages/StatusPage.tsx';

export const APP_ROUTES: RouteObject[] = [
  {
    element: <AppLayout />,
    children: [
      { index: true, element: <Navigate to="/status" replace /> },
      // Public: health, signing in, and the "this wasn't me" link (works signed out).
      { path: 'status', element: <StatusPage /> },
      { path: 'login', element: <LoginPage /> },
      { path: 'not-me', element: <NotMePage /> },
      { path: 'not-me/:token', element: <NotMePage /> },
      { path: 'invite/:token', element: <AcceptInvitationPage /> },
      {
        element: <RequireSignedIn />,
        children: [
          {
            path: 'admin',
            element: <RequireAdmin />,
            children: [
              { index: true, element: <Navigate to="users" replace /> },
              { path: 'invitations', element: <InvitationsPage /> },
              { path: 'users', element: <UsersPage /> },
              { path: 'security-log', element: <SecurityLogPage /> },
            ],
          },
          {
            path: 'settings',
            element: <SettingsPage />,
            children: [
              { index: true, element: <Navigate to="security" replace /> },
              { path: 'security', element: <SecuritySettings /> },
            ],
          },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export function AppRoutes() {
  return useRoutes(APP_ROUTES);
}
