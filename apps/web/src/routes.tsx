// Every screen and its URL. Add a screen here (inside the layout route) and, if it should
// appear in the menu, add an entry to NAV_ITEMS in layout/navigation.ts.
import { Navigate, useRoutes, type RouteObject } from 'react-router-dom';
import { AppLayout } from './layout/AppLayout.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { StatusPage } from './pages/StatusPage.tsx';

export const APP_ROUTES: RouteObject[] = [
  {
    element: <AppLayout />,
    children: [
      { index: true, element: <Navigate to="/status" replace /> },
      { path: 'status', element: <StatusPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export function AppRoutes() {
  return useRoutes(APP_ROUTES);
}
