// A page loaded on first visit: the login route's bundle stays small, and signed-in screens
// (and their dependencies) arrive only when someone signed in opens them.
import { lazy, Suspense, type ComponentType } from 'react';
import { PageLoader } from '../components/PageLoader.tsx';

export function lazyPage<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K): ComponentType {
  const Page = lazy(async (): Promise<{ default: ComponentType }> => ({ default: (await load())[name] }));
  function LazyPage() {
    return (
      <Suspense fallback={<PageLoader label="Loading…" />}>
        <Page />
      </Suspense>
    );
  }
  LazyPage.displayName = `Lazy(${name})`;
  return LazyPage;
}
