// Catches render errors so a broken screen shows a calm message instead of a blank page.
// The fallback never shows the error or its stack: those can leak internals, and they mean
// nothing to the person using the dashboard. The error still goes to the console for developers.
// The fallback is plain HTML (no Mantine components) so it works even if the providers failed.
import { Component, type ErrorInfo, type ReactNode } from 'react';
import classes from './ErrorBoundary.module.css';

interface ErrorBoundaryProps {
  children: ReactNode;
  /** When this value changes (e.g. the URL), a caught error is cleared and children render again. */
  resetKey?: unknown;
}

interface ErrorBoundaryState {
  failed: boolean;
}

export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { failed: false };

  static getDerivedStateFromError(): ErrorBoundaryState {
    return { failed: true };
  }

  override componentDidUpdate(previous: ErrorBoundaryProps): void {
    if (this.state.failed && previous.resetKey !== this.props.resetKey) this.setState({ failed: false });
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('Unhandled error in the interface', error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return <SomethingWentWrong />;
  }
}

function SomethingWentWrong() {
  return (
    <div role="alert" className={classes.box}>
      <h1 className={classes.title}>Something went wrong</h1>
      <p className={classes.text}>This part of Jutsu Labs stopped working. Reloading the page usually fixes it.</p>
      <button type="button" className={classes.button} onClick={() => window.location.reload()}>
        Reload
      </button>
    </div>
  );
}
