/** `postgresql://user:secret@host:5432/db?x` → `postgresql://user:****@host:5432/db`. Never throws. */
export function redactDatabaseUrl(url: string | undefined): string {
  if (!url) return 'embedded (PGlite)';
  try {
    const u = new URL(url);
    const user = u.username ? decodeURIComponent(u.username) : '';
    const auth = user ? `${user}:****@` : u.password ? ':****@' : '';
    const port = u.port ? `:${u.port}` : '';
    return `${u.protocol}//${auth}${u.hostname}${port}${u.pathname}`;
  } catch {
    return '<unparseable database url>';
  }
}
