// Every screen and its URL. Add a screen here (inside the layout route; signed-in screens
// inside RequireSignedIn) and, if it should appear in the menu, add an entry to NAV_ITEMS in
// layout/navigation.ts.
import { Navigate, useRoutes, type RouteObject } from 'react-router-dom';
import { RequireSignedIn } from './auth/RequireSignedIn.tsx';
import { AppLayout } from './layout/AppLayout.tsx';
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
      {
        element: <RequireSignedIn />,
        children: [
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
