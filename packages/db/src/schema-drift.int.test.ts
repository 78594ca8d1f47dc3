// Proves the hand-written migrations produce exactly the database schema.prisma describes.
// Prisma's schema engine cannot run here (docs/architecture.md §7), so instead of `prisma migrate diff`
// this reads the model through prisma-schema-wasm's DMMF and compares it with the migrated
// database's catalog (information_schema, pg_index, pg_constraint, pg_enum) — never with
// SQL text. Every difference becomes one line naming the table and column.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMigrationsDir } from './migrator.ts';
import type { SqlConnection } from './sql-driver.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

// ───────────────────────────── the model (DMMF) ─────────────────────────────

type DmmfDefault = string | number | boolean | unknown[] | { name: string; args?: unknown[] };

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt?: boolean;
  hasDefaultValue?: boolean;
  nativeType?: [string, string[]] | null;
  default?: DmmfDefault | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}

interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName?: string | null }[];
}

interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string | null;
  fields: { name: string; sortOrder?: string | null }[];
}

interface Datamodel {
  enums: DmmfEnum[];
  models: DmmfModel[];
  indexes: DmmfIndex[];
}

function schemaPath(): string {
  return path.join(path.dirname(findMigrationsDir()), 'schema.prisma');
}

function loadDatamodel(text = fs.readFileSync(schemaPath(), 'utf8')): Datamodel {
  const require = createRequire(import.meta.url);
  const wasm = require('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };
  const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', text]] }))) as {
    datamodel: Datamodel;
  };
  return dmmf.datamodel;
}

const tableOf = (m: DmmfModel): string => m.dbName ?? m.name;
const columnOf = (f: DmmfField): string => f.dbName ?? f.name;
const enumDbName = (e: DmmfEnum): string => e.dbName ?? e.name;

/** PostgreSQL's identifier limit; Prisma truncates its default constraint names to fit it. */
const MAX_IDENTIFIER = 63;
function prismaDefaultName(table: string, columns: string[], suffix: '_key' | '_idx' | '_pkey'): string {
  const base = suffix === '_pkey' ? table : `${table}_${columns.join('_')}`;
  return base.slice(0, MAX_IDENTIFIER - suffix.length) + suffix;
}

// ───────────────────────────── column types ─────────────────────────────

/**
 * Type descriptor in one vocabulary for both sides, built like information_schema spells it:
 * `text`, `uuid`, `numeric(20,8)`, `timestamp with time zone(6)`, `enum Role`, `text[]`.
 */
function expectedType(field: DmmfField, enums: Map<string, DmmfEnum>): string {
  let base: string;
  if (field.kind === 'enum') {
    const e = enums.get(field.type);
    base = `enum ${e ? enumDbName(e) : field.type}`;
  } else {
    base = expectedScalarType(field.type, field.nativeType ?? null);
  }
  return field.isList ? `${base}[]` : base;
}

function expectedScalarType(type: string, native: [string, string[]] | null): string {
  const [nt, args = []] = native ?? [undefined, []];
  const arg = (i: number, fallback: string): string => args[i] ?? fallback;
  const withLength = (name: string): string => (args.length > 0 ? `${name}(${args[0]})` : name);
  switch (type) {
    case 'String':
      switch (nt) {
        case undefined:
        case 'Text':
          return 'text';
        case 'Uuid':
          return 'uuid';
        case 'VarChar':
          return withLength('character varying');
        case 'Char':
          return `character(${arg(0, '1')})`;
        case 'Xml':
          return 'xml';
        case 'Inet':
          return 'inet';
        case 'Citext':
          return 'USER-DEFINED citext';
        case 'Bit':
          return `bit(${arg(0, '1')})`;
        case 'VarBit':
          return withLength('bit varying');
      }
      break;
    case 'Int':
      if (nt === undefined || nt === 'Integer') return 'integer';
      if (nt === 'SmallInt') return 'smallint';
      if (nt === 'Oid') return 'oid';
      break;
    case 'BigInt':
      if (nt === undefined || nt === 'BigInt') return 'bigint';
      break;
    case 'Float':
      if (nt === undefined || nt === 'DoublePrecision') return 'double precision';
      if (nt === 'Real') return 'real';
      break;
    case 'Decimal':
      if (nt === undefined) return 'numeric(65,30)';
      if (nt === 'Decimal') return args.length > 0 ? `numeric(${arg(0, '')},${arg(1, '0')})` : 'numeric';
      if (nt === 'Money') return 'money';
      break;
    case 'DateTime':
      if (nt === undefined) return 'timestamp without time zone(3)';
      if (nt === 'Timestamptz') return `timestamp with time zone(${arg(0, '6')})`;
      if (nt === 'Timestamp') return `timestamp without time zone(${arg(0, '6')})`;
      if (nt === 'Timetz') return `time with time zone(${arg(0, '6')})`;
      if (nt === 'Time') return `time without time zone(${arg(0, '6')})`;
      if (nt === 'Date') return 'date';
      break;
    case 'Json':
      if (nt === undefined || nt === 'JsonB') return 'jsonb';
      if (nt === 'Json') return 'json';
      break;
    case 'Bytes':
      if (nt === undefined || nt === 'ByteA') return 'bytea';
      break;
    case 'Boolean':
      if (nt === undefined || nt === 'Boolean') return 'boolean';
      break;
  }
  return `(no mapping in this test for ${type}${nt ? ` @db.${nt}` : ''})`;
}

interface TypeInfo {
  data_type: string;
  udt_name: string;
  numeric_precision: number | null;
  numeric_scale: number | null;
  datetime_precision: number | null;
  character_maximum_length: number | null;
}

function describeType(t: TypeInfo, element: TypeInfo | null, dbEnums: Set<string>): string {
  switch (t.data_type) {
    case 'ARRAY':
      return element ? `${describeType(element, null, dbEnums)}[]` : `${t.udt_name.replace(/^_/, '')}[]`;
    case 'numeric':
      return t.numeric_precision === null ? 'numeric' : `numeric(${t.numeric_precision},${t.numeric_scale ?? 0})`;
    case 'character varying':
    case 'character':
    case 'bit':
    case 'bit varying':
      return t.character_maximum_length === null ? t.data_type : `${t.data_type}(${t.character_maximum_length})`;
    case 'timestamp with time zone':
    case 'timestamp without time zone':
    case 'time with time zone':
    case 'time without time zone':
      return `${t.data_type}(${t.datetime_precision})`;
    case 'USER-DEFINED':
      return dbEnums.has(t.udt_name) ? `enum ${t.udt_name}` : `USER-DEFINED ${t.udt_name}`;
    default:
      return t.data_type;
  }
}

// ───────────────────────────── defaults ─────────────────────────────

type ExpectedDefault =
  | { kind: 'none'; why?: string }
  | { kind: 'now' }
  | { kind: 'autoincrement' }
  | { kind: 'dbgenerated' }
  | { kind: 'literal'; value: unknown };

/** Functions Prisma Client evaluates itself: they never reach the database. */
const CLIENT_SIDE_DEFAULTS = new Set(['uuid', 'cuid', 'nanoid', 'ulid']);

function expectedDefault(field: DmmfField): ExpectedDefault {
  if (field.isUpdatedAt) return { kind: 'none', why: '@updatedAt is set by Prisma Client' };
  const d = field.default;
  if (d === undefined || d === null) return { kind: 'none' };
  if (typeof d === 'object' && !Array.isArray(d)) {
    if (d.name === 'now') return { kind: 'now' };
    if (d.name === 'autoincrement') return { kind: 'autoincrement' };
    if (d.name === 'dbgenerated') return { kind: 'dbgenerated' };
    if (CLIENT_SIDE_DEFAULTS.has(d.name)) return { kind: 'none', why: `@default(${describeDefault(d)}) is filled by Prisma Client` };
    return { kind: 'literal', value: `(unsupported default function ${d.name})` };
  }
  return { kind: 'literal', value: d };
}

function describeDefault(d: DmmfDefault): string {
  if (typeof d === 'object' && !Array.isArray(d)) return `${d.name}(${(d.args ?? []).map((a) => JSON.stringify(a)).join(', ')})`;
  return JSON.stringify(d);
}

/** A Prisma literal default as PostgreSQL input text (arrays as `{a,b}` literals). */
function literalText(value: unknown): string {
  if (Array.isArray(value)) {
    return `{${value.map((v) => `"${literalText(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const NOW_DEFAULTS = new Set(['CURRENT_TIMESTAMP', 'now()', 'transaction_timestamp()']);

async function compareDefault(
  sql: SqlConnection,
  where: string,
  field: DmmfField,
  col: ActualColumn,
  qualifiedTable: string,
): Promise<string | null> {
  const want = expectedDefault(field);
  const have = col.column_default;
  if (col.is_identity === 'YES') return `${where}: is an identity column, Prisma uses a plain column${want.kind === 'autoincrement' ? ' with a sequence default (SERIAL)' : ''}`;
  if (col.is_generated !== 'NEVER') return `${where}: is a generated column (${col.generation_expression}), schema.prisma has a plain column`;
  switch (want.kind) {
    case 'none':
      return have === null ? null : `${where}: has database default ${have} but schema.prisma puts none in the database${want.why ? ` (${want.why})` : ''}`;
    case 'now':
      if (have === null) return `${where}: has no database default, schema.prisma has @default(now())`;
      return NOW_DEFAULTS.has(have) ? null : `${where}: database default is ${have}, schema.prisma has @default(now()) (CURRENT_TIMESTAMP)`;
    case 'autoincrement': {
      if (have === null || !/^nextval\(/.test(have)) {
        return `${where}: database default is ${have ?? 'missing'}, schema.prisma has @default(autoincrement()) (a sequence)`;
      }
      const [owned] = await sql.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [qualifiedTable, col.column_name]);
      return owned?.seq ? null : `${where}: default ${have} uses a sequence not owned by the column (Prisma creates SERIAL/BIGSERIAL)`;
    }
    case 'dbgenerated':
      return have === null ? `${where}: has no database default, schema.prisma has @default(dbgenerated(...))` : null;
    case 'literal': {
      const shown = describeDefault(field.default as DmmfDefault);
      if (have === null) return `${where}: has no database default, schema.prisma has @default(${shown})`;
      // Evaluate both in the column's own type, so 0 / 0.00000000 or '{}' / '{ }' compare equal.
      const input = field.type === 'Bytes' && typeof want.value === 'string' ? `decode($1, 'base64')` : `$1::text::${col.sql_type}`;
      try {
        const [row] = await sql.query<{ actual: string | null; expected: string | null }>(
          `SELECT ((${have})::${col.sql_type})::text AS actual, (${input})::text AS expected`,
          [literalText(want.value)],
        );
        return row && row.actual === row.expected
          ? null
          : `${where}: database default ${have} is ${JSON.stringify(row?.actual)}, schema.prisma has @default(${shown}) = ${JSON.stringify(row?.expected)}`;
      } catch (err) {
        return `${where}: database default ${have} cannot be compared with @default(${shown}): ${(err as Error).message}`;
      }
    }
  }
}

// ───────────────────────────── the database catalog ─────────────────────────────

interface ActualColumn extends TypeInfo {
  table_name: string;
  column_name: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
  is_identity: 'YES' | 'NO';
  is_generated: string;
  generation_expression: string | null;
  sql_type: string;
  element: TypeInfo | null;
}

interface ActualIndex {
  table_name: string;
  index_name: string;
  is_unique: boolean;
  is_primary: boolean;
  method: string;
  is_partial: boolean;
  columns: (string | null)[];
  descending: boolean[];
}

interface ActualForeignKey {
  table_name: string;
  constraint_name: string;
  columns: string[];
  ref_table: string;
  ref_columns: string[];
  on_delete: string;
  on_update: string;
}

async function readCatalog(sql: SqlConnection) {
  const tables = (
    await sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
  ).map((r) => r.table_name);

  const columns = await sql.query<ActualColumn>(
    `SELECT c.table_name, c.column_name, c.is_nullable, c.column_default, c.is_identity, c.is_generated,
            c.generation_expression, c.data_type, c.udt_name, c.numeric_precision, c.numeric_scale,
            c.datetime_precision, c.character_maximum_length,
            format_type(a.atttypid, a.atttypmod) AS sql_type,
            CASE WHEN e.data_type IS NULL THEN NULL ELSE json_build_object(
              'data_type', e.data_type, 'udt_name', e.udt_name,
              -- element_types leaves out the type modifier (it lives on the column): apply it
              -- with the same helpers information_schema.columns uses for plain columns.
              'numeric_precision', information_schema._pg_numeric_precision(at.typelem, a.atttypmod),
              'numeric_scale', information_schema._pg_numeric_scale(at.typelem, a.atttypmod),
              'datetime_precision', information_schema._pg_datetime_precision(at.typelem, a.atttypmod),
              'character_maximum_length', information_schema._pg_char_max_length(at.typelem, a.atttypmod)) END AS element
       FROM information_schema.columns c
       JOIN pg_attribute a
         ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
        AND a.attname = c.column_name
       JOIN pg_type at ON at.oid = a.atttypid
       LEFT JOIN information_schema.element_types e
         ON e.object_catalog = c.table_catalog AND e.object_schema = c.table_schema
        AND e.object_name = c.table_name AND e.object_type = 'TABLE'
        AND e.collection_type_identifier = c.dtd_identifier
      WHERE c.table_schema = current_schema()
      ORDER BY c.table_name, c.ordinal_position`,
  );

  const primaryKeys = await sql.query<{ table_name: string; constraint_name: string; columns: string[] }>(
    `SELECT tc.table_name, tc.constraint_name,
            json_agg(k.column_name::text ORDER BY k.ordinal_position) AS columns
       FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage k
         ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name
        AND k.table_name = tc.table_name
      WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY'
      GROUP BY tc.table_name, tc.constraint_name`,
  );

  const indexes = await sql.query<ActualIndex>(
    `SELECT t.relname AS table_name, i.relname AS index_name, ix.indisunique AS is_unique,
            ix.indisprimary AS is_primary, am.amname AS method, ix.indpred IS NOT NULL AS is_partial,
            (SELECT json_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum AND k.attnum > 0
              WHERE k.ord <= ix.indnkeyatts) AS columns,
            (SELECT json_agg((o.opt & 1) = 1 ORDER BY o.ord)
               FROM unnest(ix.indoption::int2[]) WITH ORDINALITY AS o(opt, ord)
              WHERE o.ord <= ix.indnkeyatts) AS descending
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname = current_schema()
      ORDER BY t.relname, i.relname`,
  );

  const foreignKeys = await sql.query<ActualForeignKey>(
    `SELECT t.relname AS table_name, c.conname AS constraint_name, r.relname AS ref_table,
            (SELECT json_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns,
            (SELECT json_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS ref_columns,
            c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_class r ON r.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE c.contype = 'f' AND n.nspname = current_schema()
      ORDER BY t.relname, c.conname`,
  );

  const enumRows = await sql.query<{ name: string; value: string }>(
    `SELECT t.typname AS name, e.enumlabel AS value
       FROM pg_type t
       JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = current_schema()
      ORDER BY t.typname, e.enumsortorder`,
  );
  const enums = new Map<string, string[]>();
  for (const r of enumRows) enums.set(r.name, [...(enums.get(r.name) ?? []), r.value]);

  return { tables, columns, primaryKeys, indexes, foreignKeys, enums };
}

// ───────────────────────────── the comparison ─────────────────────────────

/** Prisma's referential actions, by pg_constraint.confdeltype / confupdtype. */
const REFERENTIAL_ACTION: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

const list = (cols: readonly (string | null)[]): string => `(${cols.map((c) => c ?? '<expression>').join(', ')})`;

/** Every difference between schema.prisma and the database, one line each, table (and column) first. */
async function findSchemaDrift(sql: SqlConnection, dm: Datamodel = loadDatamodel()): Promise<string[]> {
  const out: string[] = [];
  const cat = await readCatalog(sql);
  const dmEnums = new Map(dm.enums.map((e) => [e.name, e]));
  const modelsByName = new Map(dm.models.map((m) => [m.name, m]));
  const dbEnumNames = new Set(cat.enums.keys());

  // Enums: each one with exactly its values, in order; no others.
  for (const e of dm.enums) {
    const want = e.values.map((v) => v.dbName ?? v.name);
    const have = cat.enums.get(enumDbName(e));
    if (!have) out.push(`enum ${enumDbName(e)}: missing in the database`);
    else if (JSON.stringify(have) !== JSON.stringify(want)) {
      out.push(`enum ${enumDbName(e)}: values are [${have.join(', ')}], schema.prisma has [${want.join(', ')}]`);
    }
  }
  const wantedEnums = new Set(dm.enums.map(enumDbName));
  for (const name of dbEnumNames) if (!wantedEnums.has(name)) out.push(`enum ${name}: in the database but not in schema.prisma`);

  // Tables: one per model, nothing else but the migrator's bookkeeping.
  const wantedTables = new Set(dm.models.map(tableOf));
  const haveTables = new Set(cat.tables);
  for (const t of cat.tables) {
    if (!wantedTables.has(t) && t !== '_prisma_migrations') out.push(`${t}: table is in the database but not in schema.prisma`);
  }

  for (const model of dm.models) {
    const table = tableOf(model);
    if (!haveTables.has(table)) {
      out.push(`${table}: table missing (model ${model.name})`);
      continue;
    }
    const fieldsByName = new Map(model.fields.map((f) => [f.name, f]));
    const col = (fieldName: string): string => {
      const f = fieldsByName.get(fieldName);
      return f ? columnOf(f) : `<unknown field ${fieldName}>`;
    };

    // Columns: type, nullability, default; no extra columns.
    const haveColumns = new Map(cat.columns.filter((c) => c.table_name === table).map((c) => [c.column_name, c]));
    const scalarFields = model.fields.filter((f) => f.kind !== 'object');
    const wantedColumns = new Set(scalarFields.map(columnOf));
    for (const c of haveColumns.keys()) {
      if (!wantedColumns.has(c)) out.push(`${table}.${c}: column is in the database but not in schema.prisma (model ${model.name})`);
    }
    const qualifiedTable = `"${table.replace(/"/g, '""')}"`;
    for (const f of scalarFields) {
      const column = columnOf(f);
      const where = `${table}.${column}`;
      const c = haveColumns.get(column);
      if (!c) {
        out.push(`${where}: column missing (field ${model.name}.${f.name})`);
        continue;
      }
      if (f.kind !== 'unsupported') {
        const want = expectedType(f, dmEnums);
        const have = describeType(c, c.element, dbEnumNames);
        if (want !== have) out.push(`${where}: type is ${have}, schema.prisma expects ${want}`);
      }
      const wantNullable = !f.isRequired;
      const haveNullable = c.is_nullable === 'YES';
      if (wantNullable !== haveNullable) {
        out.push(
          haveNullable
            ? `${where}: is nullable in the database, schema.prisma says NOT NULL`
            : `${where}: is NOT NULL in the database, schema.prisma says nullable`,
        );
      }
      const problem = await compareDefault(sql, where, f, c, qualifiedTable);
      if (problem) out.push(problem);
    }

    // Primary key: same columns, same order, Prisma's name.
    const idIndex = dm.indexes.find((i) => i.model === model.name && i.type === 'id');
    const pkFields = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
    const wantPk = pkFields.map(col);
    const havePk = cat.primaryKeys.find((p) => p.table_name === table);
    const wantPkName = idIndex?.dbName ?? prismaDefaultName(table, wantPk, '_pkey');
    if (wantPk.length === 0 && havePk) out.push(`${table}: has primary key ${list(havePk.columns)}, schema.prisma has none`);
    else if (wantPk.length > 0 && !havePk) out.push(`${table}: primary key ${list(wantPk)} missing`);
    else if (havePk) {
      if (JSON.stringify(havePk.columns) !== JSON.stringify(wantPk)) {
        out.push(`${table}: primary key is ${list(havePk.columns)}, schema.prisma has ${list(wantPk)}`);
      }
      if (havePk.constraint_name !== wantPkName) {
        out.push(`${table}: primary key is named ${havePk.constraint_name}, Prisma names it ${wantPkName}`);
      }
    }

    // Unique and normal indexes, by Prisma's name; no undeclared unique index.
    const haveIndexes = cat.indexes.filter((i) => i.table_name === table && !i.is_primary);
    const declared = dm.indexes.filter((i) => i.model === model.name && (i.type === 'unique' || i.type === 'normal'));
    const wantedIndexNames = new Set<string>();
    for (const idx of declared) {
      const unique = idx.type === 'unique';
      const cols = idx.fields.map((f) => col(f.name));
      const desc = idx.fields.map((f) => (f.sortOrder ?? '').toLowerCase() === 'desc');
      const name = idx.dbName ?? prismaDefaultName(table, cols, unique ? '_key' : '_idx');
      const what = `${unique ? 'unique index' : 'index'} ${name} on ${list(cols)}`;
      wantedIndexNames.add(name);
      const have = haveIndexes.find((i) => i.index_name === name);
      if (!have) {
        const sameColumns = haveIndexes.find((i) => JSON.stringify(i.columns) === JSON.stringify(cols) && i.is_unique === unique);
        out.push(`${table}: missing ${what}${sameColumns ? ` (an index on those columns is named ${sameColumns.index_name})` : ''}`);
        continue;
      }
      if (have.is_unique !== unique) out.push(`${table}: ${name} is ${have.is_unique ? 'UNIQUE' : 'not UNIQUE'}, schema.prisma declares ${what}`);
      if (JSON.stringify(have.columns) !== JSON.stringify(cols)) out.push(`${table}: ${name} is on ${list(have.columns)}, schema.prisma declares ${what}`);
      if (JSON.stringify(have.descending) !== JSON.stringify(desc)) out.push(`${table}: ${name} has a different sort order than schema.prisma declares`);
      const method = (idx.algorithm ?? 'BTree').toLowerCase();
      if (have.method !== method) out.push(`${table}: ${name} uses ${have.method}, schema.prisma declares ${method}`);
      if (have.is_partial) out.push(`${table}: ${name} is a partial index, schema.prisma cannot declare one`);
    }
    for (const i of haveIndexes) {
      if (i.is_unique && !wantedIndexNames.has(i.index_name)) {
        out.push(`${table}: unique index ${i.index_name} on ${list(i.columns)} is in the database but not in schema.prisma`);
      }
    }

    // Foreign keys: one per relation that holds the fields; none undeclared.
    const haveFks = cat.foreignKeys.filter((fk) => fk.table_name === table);
    const matched = new Set<ActualForeignKey>();
    for (const rel of model.fields.filter((f) => f.kind === 'object' && (f.relationFromFields?.length ?? 0) > 0)) {
      const target = modelsByName.get(rel.type);
      const cols = (rel.relationFromFields ?? []).map(col);
      const targetFields = new Map((target?.fields ?? []).map((f) => [f.name, f]));
      const refTable = target ? tableOf(target) : rel.type;
      const refCols = (rel.relationToFields ?? []).map((n) => {
        const f = targetFields.get(n);
        return f ? columnOf(f) : n;
      });
      const optional = (rel.relationFromFields ?? []).some((n) => fieldsByName.get(n)?.isRequired === false);
      const onDelete = rel.relationOnDelete ?? (optional ? 'SetNull' : 'Restrict');
      const onUpdate = rel.relationOnUpdate ?? 'Cascade';
      const where = `${table}.${cols.join(',')}`;
      const fk = haveFks.find((k) => JSON.stringify(k.columns) === JSON.stringify(cols));
      if (!fk) {
        out.push(`${where}: foreign key to ${refTable}${list(refCols)} missing (relation ${model.name}.${rel.name})`);
        continue;
      }
      matched.add(fk);
      if (fk.ref_table !== refTable || JSON.stringify(fk.ref_columns) !== JSON.stringify(refCols)) {
        out.push(`${where}: foreign key references ${fk.ref_table}${list(fk.ref_columns)}, schema.prisma has ${refTable}${list(refCols)}`);
      }
      const haveDelete = REFERENTIAL_ACTION[fk.on_delete] ?? fk.on_delete;
      if (haveDelete !== onDelete) out.push(`${where}: foreign key ON DELETE is ${haveDelete}, schema.prisma has onDelete: ${onDelete}`);
      const haveUpdate = REFERENTIAL_ACTION[fk.on_update] ?? fk.on_update;
      if (haveUpdate !== onUpdate) out.push(`${where}: foreign key ON UPDATE is ${haveUpdate}, schema.prisma has onUpdate: ${onUpdate}`);
    }
    for (const fk of haveFks) {
      if (!matched.has(fk)) {
        out.push(`${table}.${fk.columns.join(',')}: foreign key ${fk.constraint_name} to ${fk.ref_table}${list(fk.ref_columns)} is in the database but not in schema.prisma`);
      }
    }
  }
  return out;
}

// ───────────────────────────── tests ─────────────────────────────

describe('schema drift: migrations vs schema.prisma', () => {
  let db: TestDatabase;
  const dm = loadDatamodel();

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('reads a non-trivial model from schema.prisma', () => {
    // Guards against the checker passing vacuously on an empty or misread datamodel.
    expect(dm.models.length).toBeGreaterThan(20);
    expect(dm.enums.map((e) => e.name)).toEqual(expect.arrayContaining(['Role', 'Severity']));
    expect(dm.indexes.some((i) => i.type === 'unique' && i.fields.length > 1)).toBe(true);
    expect(dm.models.some((m) => m.primaryKey && m.primaryKey.fields.length > 1)).toBe(true);
  });

  it('the migrated database has exactly the tables, columns, keys, indexes, enums and foreign keys of schema.prisma', async () => {
    expect(await findSchemaDrift(db.sql, dm)).toEqual([]);
  });
});

describe('schema drift checker', () => {
  let db: TestDatabase;
  const dm = loadDatamodel();

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('reports a column whose nullability differs, naming table and column', async () => {
    await db.sql.exec('ALTER TABLE users ALTER COLUMN email SET NOT NULL');
    try {
      expect(await findSchemaDrift(db.sql, dm)).toEqual(['users.email: is NOT NULL in the database, schema.prisma says nullable']);
    } finally {
      await db.sql.exec('ALTER TABLE users ALTER COLUMN email DROP NOT NULL');
    }
    expect(await findSchemaDrift(db.sql, dm)).toEqual([]);
  });

  it('reports what schema.prisma declares but no migration created', async () => {
    const text = fs.readFileSync(schemaPath(), 'utf8');
    const edited = text
      .replace(/^(\s+email\s+String\?\s+@unique\n)/m, '$1  nickname String? @map("nick_name")\n')
      .replace(/^(\s+)@@map\("users"\)/m, '$1@@index([createdAt])\n$1@@map("users")');
    expect(edited).not.toBe(text);
    expect(await findSchemaDrift(db.sql, loadDatamodel(edited))).toEqual([
      'users.nick_name: column missing (field User.nickname)',
      'users: missing index users_created_at_idx on (created_at)',
    ]);
  });

  it('reports every other kind of drift', async () => {
    await db.sql.exec(`
      DROP INDEX "passkeys_user_id_idx";
      DROP INDEX "known_devices_user_id_device_hash_key";
      CREATE UNIQUE INDEX "known_devices_user_id_device_hash_key" ON "known_devices"("device_hash", "user_id");
      CREATE UNIQUE INDEX "security_events_type_key" ON "security_events"("type");
      ALTER TABLE live_trades ALTER COLUMN fees TYPE DECIMAL(20,6);
      ALTER TABLE sessions ALTER COLUMN last_used_at TYPE TIMESTAMP(6);
      ALTER TABLE users ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
      ALTER TABLE users ALTER COLUMN role SET DEFAULT 'admin';
      ALTER TABLE positions ALTER COLUMN asset_type DROP DEFAULT;
      ALTER TABLE sessions ADD COLUMN note TEXT;
      ALTER TABLE passkeys DROP CONSTRAINT "passkeys_user_id_fkey";
      ALTER TABLE passkeys ADD CONSTRAINT "passkeys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
      ALTER TABLE security_events ADD CONSTRAINT "security_events_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id");
      ALTER TABLE data_metadata DROP CONSTRAINT "data_metadata_pkey";
      ALTER TABLE data_metadata ADD CONSTRAINT "data_metadata_pkey" PRIMARY KEY ("timeframe", "symbol");
      ALTER TABLE passkeys ALTER COLUMN transports DROP NOT NULL;
      ALTER TABLE passkeys ALTER COLUMN transports TYPE VARCHAR(10)[];
      CREATE TABLE stray (id INTEGER);
    `);
    await db.sql.exec(`ALTER TYPE "Severity" ADD VALUE 'debug' BEFORE 'info'`);
    const drift = await findSchemaDrift(db.sql, dm);
    expect([...drift].sort()).toEqual(
      [
        'enum Severity: values are [debug, info, warning, critical], schema.prisma has [info, warning, critical]',
        'stray: table is in the database but not in schema.prisma',
        'users.updated_at: has database default CURRENT_TIMESTAMP but schema.prisma puts none in the database (@updatedAt is set by Prisma Client)',
        `users.role: database default 'admin'::"Role" is "admin", schema.prisma has @default("viewer") = "viewer"`,
        'passkeys: missing index passkeys_user_id_idx on (user_id)',
        'passkeys.user_id: foreign key ON DELETE is Restrict, schema.prisma has onDelete: Cascade',
        'sessions.note: column is in the database but not in schema.prisma (model Session)',
        'sessions.last_used_at: type is timestamp without time zone(6), schema.prisma expects timestamp with time zone(6)',
        'known_devices: known_devices_user_id_device_hash_key is on (device_hash, user_id), schema.prisma declares unique index known_devices_user_id_device_hash_key on (user_id, device_hash)',
        'security_events: unique index security_events_type_key on (type) is in the database but not in schema.prisma',
        'security_events.user_id: foreign key security_events_user_id_fkey to users(id) is in the database but not in schema.prisma',
        'passkeys.transports: is nullable in the database, schema.prisma says NOT NULL',
        'passkeys.transports: type is character varying(10)[], schema.prisma expects text[]',
        'live_trades.fees: type is numeric(20,6), schema.prisma expects numeric(20,8)',
        'positions.asset_type: has no database default, schema.prisma has @default("EQUITY")',
        'data_metadata: primary key is (timeframe, symbol), schema.prisma has (symbol, timeframe)',
      ].sort(),
    );
  });
});
