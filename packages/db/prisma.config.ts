// Prisma 7 reads the datasource from here; generate needs no URL. Migrations are applied
// by packages/db's own migrator (docs/architecture.md §7), so `migrations.path` only tells Prisma's CLI
// where they live on machines that do have the schema engine.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: '../../prisma/schema.prisma',
  migrations: { path: '../../prisma/migrations' },
});
