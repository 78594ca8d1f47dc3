// Drafts CREATE statements for prisma/schema.prisma in the layout `prisma migrate diff
// --from-empty` prints. Prisma's schema engine cannot be downloaded here, so this is how
// the init migration was written; later migrations are written by hand. Either way
// src/schema-drift.test.ts proves the migrated database matches the schema.
// Usage: node scripts/draft-init-sql.mjs > ../../prisma/migrations/<ts>_<name>/migration.sql
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const wasm = require('@prisma/prisma-schema-wasm');
const here = path.dirname(fileURLToPath(import.meta.url));
const schema = fs.readFileSync(path.join(here, '../../../prisma/schema.prisma'), 'utf8');
const dm = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schema]] }))).datamodel;

const q = (s) => `"${s}"`;
const col = (f) => f.dbName ?? f.name;
const enums = new Set(dm.enums.map((e) => e.name));
const modelsByName = new Map(dm.models.map((m) => [m.name, m]));

function sqlType(f) {
  if (f.default?.name === 'autoincrement') return f.type === 'BigInt' ? 'BIGSERIAL' : 'SERIAL';
  let t;
  if (enums.has(f.type)) t = q(f.type);
  else if (f.nativeType) {
    const [name, args] = f.nativeType;
    t = ({ Uuid: 'UUID', Timestamptz: 'TIMESTAMPTZ', Decimal: 'DECIMAL' })[name] + (args.length ? `(${args.join(',')})` : '');
  } else {
    t = { String: 'TEXT', Int: 'INTEGER', BigInt: 'BIGINT', Boolean: 'BOOLEAN', Bytes: 'BYTEA', Json: 'JSONB', Decimal: 'DECIMAL(65,30)', DateTime: 'TIMESTAMP(3)', Float: 'DOUBLE PRECISION' }[f.type];
  }
  return f.isList ? `${t}[]` : t;
}

function sqlDefault(f) {
  if (!f.hasDefaultValue || f.default === undefined) return '';
  const d = f.default;
  if (typeof d === 'object' && !Array.isArray(d)) {
    if (d.name === 'now') return ' DEFAULT CURRENT_TIMESTAMP';
    return ''; // uuid()/autoincrement are client-side or SERIAL
  }
  if (Array.isArray(d)) return d.length === 0 ? ` DEFAULT ARRAY[]::${sqlType({ ...f, isList: false })}[]` : '';
  if (typeof d === 'string' && ['BigInt', 'Int', 'Decimal'].includes(f.type)) return ` DEFAULT ${d}`;
  if (typeof d === 'string') return ` DEFAULT '${d.replace(/'/g, "''")}'`;
  return ` DEFAULT ${d}`;
}

const out = [];
for (const e of dm.enums) {
  out.push(`-- CreateEnum\nCREATE TYPE ${q(e.dbName ?? e.name)} AS ENUM (${e.values.map((v) => `'${v.dbName ?? v.name}'`).join(', ')});\n`);
}
const indexes = [];
const fks = [];
for (const m of dm.models) {
  const table = m.dbName ?? m.name;
  const scalars = m.fields.filter((f) => f.kind !== 'object');
  const fieldCol = (name) => col(m.fields.find((f) => f.name === name));
  const lines = scalars.map((f) => `    ${q(col(f))} ${sqlType(f)}${f.isRequired || f.isList ? ' NOT NULL' : ''}${sqlDefault(f)}`);
  const pkCols = m.primaryKey ? m.primaryKey.fields.map(fieldCol) : scalars.filter((f) => f.isId).map(col);
  out.push(`-- CreateTable\nCREATE TABLE ${q(table)} (\n${lines.join(',\n')},\n\n    CONSTRAINT ${q(`${table}_pkey`)} PRIMARY KEY (${pkCols.map(q).join(', ')})\n);\n`);
  for (const idx of dm.indexes.filter((i) => i.model === m.name && (i.type === 'unique' || i.type === 'normal'))) {
    const cols = idx.fields.map((f) => fieldCol(f.name));
    const suffix = idx.type === 'unique' ? 'key' : 'idx';
    const name = idx.dbName ?? `${table}_${cols.join('_')}_${suffix}`;
    indexes.push(`-- CreateIndex\nCREATE ${idx.type === 'unique' ? 'UNIQUE ' : ''}INDEX ${q(name)} ON ${q(table)}(${cols.map(q).join(', ')});\n`);
  }
  for (const f of m.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length)) {
    const target = modelsByName.get(f.type);
    const from = f.relationFromFields.map(fieldCol);
    const to = f.relationToFields.map((n) => col(target.fields.find((x) => x.name === n)));
    const onDelete = { Cascade: 'CASCADE', SetNull: 'SET NULL', Restrict: 'RESTRICT', NoAction: 'NO ACTION' }[f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull')];
    fks.push(`-- AddForeignKey\nALTER TABLE ${q(table)} ADD CONSTRAINT ${q(`${table}_${from.join('_')}_fkey`)} FOREIGN KEY (${from.map(q).join(', ')}) REFERENCES ${q(target.dbName ?? target.name)}(${to.map(q).join(', ')}) ON DELETE ${onDelete} ON UPDATE CASCADE;\n`);
  }
}
process.stdout.write([...out, ...indexes, ...fks].join('\n'));
