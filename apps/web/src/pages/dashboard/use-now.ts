import { useEffect, useState } from 'react';

/** The current time, re-rendering every `intervalMs` (for "12 s ago" texts that keep counting). */
export function useNow(intervalMs = 1000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
