// The password form pulls in the strength estimator's dictionaries (about 1.8 MB), so it is
// loaded only when a screen with the form opens, not with every page of the app.
import { lazy, Suspense, type ComponentProps } from 'react';
import { PageLoader } from '../PageLoader.tsx';

const ChangePasswordForm = lazy(() => import('./ChangePasswordForm.tsx').then((m) => ({ default: m.ChangePasswordForm })));

export function LazyChangePasswordForm(props: ComponentProps<typeof ChangePasswordForm>) {
  return (
    <Suspense fallback={<PageLoader label="Loading the password form…" />}>
      <ChangePasswordForm {...props} />
    </Suspense>
  );
}
