// Every screen and its URL. Add a screen here (inside the layout route; signed-in screens
// inside RequireSignedIn) and, if it should appear in the menu, add an entry to NAV_ITEMS in
// layout/navigation.ts.
import { Navigate, useRoutes, type RouteObject } from 'react-router-dom';
import { lazyPage } from './lib/lazy-page.tsx';
import { RequireSignedIn } from './auth/RequireSignedIn.tsx';
import { AppLayout } from './layout/AppLayout.tsx';
import { RequireAdmin } from './pages/admin/RequireAdmin.tsx';
import { LoginPage } from './pages/login/LoginPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { StatusPage } from './pages/StatusPage.tsx';

// Loaded on first visit, so the login route stays light.
const InvitationsPage = lazyPage(() => import('./pages/admin/InvitationsPage.tsx'), 'InvitationsPage');
const SecurityLogPage = lazyPage(() => import('./pages/admin/SecurityLogPage.tsx'), 'SecurityLogPage');
const UsersPage = lazyPage(() => import('./pages/admin/UsersPage.tsx'), 'UsersPage');
const AcceptInvitationPage = lazyPage(() => import('./pages/invite/AcceptInvitationPage.tsx'), 'AcceptInvitationPage');
const NotMePage = lazyPage(() => import('./pages/NotMePage.tsx'), 'NotMePage');
const SecuritySettings = lazyPage(() => import('./pages/settings/security/SecuritySettings.tsx'), 'SecuritySettings');
const SettingsPage = lazyPage(() => import('./pages/settings/SettingsPage.tsx'), 'SettingsPage');
const SchwabCallbackPage = lazyPage(() => import('./pages/admin/SchwabCallbackPage.tsx'), 'SchwabCallbackPage');
const SchwabPage = lazyPage(() => import('./pages/admin/SchwabPage.tsx'), 'SchwabPage');
const OverviewPage = lazyPage(() => import('./pages/dashboard/OverviewPage.tsx'), 'OverviewPage');
const PerformancePage = lazyPage(() => import('./pages/dashboard/PerformancePage.tsx'), 'PerformancePage');
const PositionsPage = lazyPage(() => import('./pages/dashboard/PositionsPage.tsx'), 'PositionsPage');
const TradesPage = lazyPage(() => import('./pages/dashboard/TradesPage.tsx'), 'TradesPage');
const ConfigurationPage = lazyPage(() => import('./pages/engine/ConfigurationPage.tsx'), 'ConfigurationPage');
const EnginePage = lazyPage(() => import('./pages/engine/EnginePage.tsx'), 'EnginePage');
const OrderTicketPage = lazyPage(() => import('./pages/engine/OrderTicketPage.tsx'), 'OrderTicketPage');
const SchedulesPage = lazyPage(() => import('./pages/engine/SchedulesPage.tsx'), 'SchedulesPage');

export const APP_ROUTES: RouteObject[] = [
  {
    element: <AppLayout />,
    children: [
      // Public: health (also under Settings → Server status once signed in), signing in, and the "this wasn't me" link (works signed out).
      { path: 'status', element: <StatusPage /> },
      { path: 'login', element: <LoginPage /> },
      { path: 'not-me', element: <NotMePage /> },
      { path: 'not-me/:token', element: <NotMePage /> },
      { path: 'invite/:token', element: <AcceptInvitationPage /> },
      {
        element: <RequireSignedIn />,
        children: [
          // The landing page after sign-in (signed out, RequireSignedIn sends "/" to the login).
          { index: true, element: <Navigate to="/overview" replace /> },
          { path: 'overview', element: <OverviewPage /> },
          { path: 'positions', element: <PositionsPage /> },
          { path: 'trades', element: <TradesPage /> },
          { path: 'performance', element: <PerformancePage /> },
          // Every role sees the engine and the working orders; the controls are disabled (with the reason) for roles that may not use them.
          { path: 'engine', element: <EnginePage /> },
          { path: 'engine/orders', element: <OrderTicketPage /> },
          // Every role reads the configuration; only admins can change it (the page says so).
          { path: 'engine/configuration', element: <ConfigurationPage /> },
          // Every role sees the engine screens; the controls are disabled (with the reason) for roles that may not use them.
          { path: 'engine/schedules', element: <SchedulesPage /> },
          {
            path: 'admin',
            element: <RequireAdmin />,
            children: [
              { index: true, element: <Navigate to="users" replace /> },
              { path: 'invitations', element: <InvitationsPage /> },
              { path: 'users', element: <UsersPage /> },
              { path: 'security-log', element: <SecurityLogPage /> },
              { path: 'schwab', element: <SchwabPage /> },
            ],
          },
          // Schwab's redirect after its login (SCHWAB_CALLBACK_URL): admin only, like the screen.
          { path: 'schwab/callback', element: <RequireAdmin />, children: [{ index: true, element: <SchwabCallbackPage /> }] },
          {
            path: 'settings',
            element: <SettingsPage />,
            children: [
              { index: true, element: <Navigate to="security" replace /> },
              { path: 'security', element: <SecuritySettings /> },
              { path: 'status', element: <StatusPage /> },
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
