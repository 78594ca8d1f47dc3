// Providers in dependency order: theme (everything renders with Mantine), data (tRPC over
// React Query), then routing. The clients are created by the caller so tests can pass their own.
import { MantineProvider } from '@mantine/core';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router-dom';
import { SessionWatcher } from './auth/SessionWatcher.tsx';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { AppRoutes } from './routes.tsx';
import { colorSchemeManager, cssVariablesResolver, theme } from './theme.ts';
import { trpc, type ApiClient } from './trpc.ts';

interface AppProps {
  queryClient: QueryClient;
  apiClient: ApiClient;
}

export function App({ queryClient, apiClient }: AppProps) {
  return (
    <MantineProvider theme={theme} colorSchemeManager={colorSchemeManager} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="auto">
      <ErrorBoundary>
        <trpc.Provider client={apiClient} queryClient={queryClient}>
          <QueryClientProvider client={queryClient}>
            <BrowserRouter>
              <SessionWatcher />
              <AppRoutes />
            </BrowserRouter>
          </QueryClientProvider>
        </trpc.Provider>
      </ErrorBoundary>
    </MantineProvider>
  );
}
