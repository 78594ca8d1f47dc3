import '@mantine/core/styles.css';
import './global.css';
import { QueryClient } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { restoreSession } from './auth/session.ts';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { shouldRetryQuery } from './lib/api-errors.ts';
import { createApiClient } from './trpc.ts';

// Created once per page load, outside React, so StrictMode's double render cannot open a
// second WebSocket client.
const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: shouldRetryQuery, refetchOnWindowFocus: true },
    // A mutation (sign-in, invitation, config change) is never repeated behind the user's back.
    mutations: { retry: false },
  },
});
const { client: apiClient } = createApiClient();
// A reload forgets the in-memory access token; the refresh cookie may still hold a session.
void restoreSession();

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

createRoot(rootElement).render(
  <StrictMode>
    {/* Outermost guard: catches a failure in the providers themselves. */}
    <ErrorBoundary>
      <App queryClient={queryClient} apiClient={apiClient} />
    </ErrorBoundary>
  </StrictMode>,
);
