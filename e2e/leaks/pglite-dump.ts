// A text dump of an embedded (PGlite) database, standing in for pg_dump: every row of every
// table outside the system schemas in PostgreSQL's row text form (bytea as \x hex), which
// is what pg_dump's COPY data holds.
import { PGlite } from '@electric-sql/pglite';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function dumpPgliteAsText(dataDir: string): Promise<string> {
  const db = await PGlite.create(dataDir);
  try {
    const tables = await db.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1, 2`,
    );
    const parts: string[] = [];
    for (const { schema, name } of tables.rows) {
      const rows = await db.query<{ row: string }>(`SELECT t::text AS row FROM ${quote(schema)}.${quote(name)} t`);
      parts.push(`-- ${schema}.${name}: ${rows.rows.length} rows`, ...rows.rows.map((r) => r.row));
    }
    return `${parts.join('\n')}\n`;
  } finally {
    await db.close();
  }
}
