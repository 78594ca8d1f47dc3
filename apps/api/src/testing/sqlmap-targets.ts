// The sqlmap targets of `pnpm test:security` (scripts/test-security.sh), read from the real
// router so a new procedure is scanned without anyone listing it: for every query and
// mutation that takes input, a sample input its own zod schema accepts, with every string
// field marked as an injection point (sqlmap's `*`), in the wire format the SPA uses.
//
//   node --import tsx src/testing/sqlmap-targets.ts [--ci]
//
// Prints one tab-separated line per target (a procedure and one of its string fields, the
// only injection point): name, method, path (with ?input= for queries),
// body (`-` for queries), rate-limit bucket. Procedures left out go to stderr with the reason.
import fc from 'fast-check';
import { z } from 'zod';
import { isSessionProcedure } from '@jutsu/shared';
import { appRouter } from '../trpc/app-router.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: Json[];
  const?: Json;
  default?: Json;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
};
type Procedure = { _def: { type: 'query' | 'mutation' | 'subscription'; inputs: z.ZodType[]; meta?: { rateLimit?: string } } };

/**
 * Procedures that would end the scan's own session (or the sessions of the targets scanning
 * beside it), with why. Neither takes input today; listed so that one that starts to is not
 * scanned by surprise.
 */
const SKIPPED: Record<string, string> = {
  'auth.logout': "ends the scan's session",
  'auth.revokeOtherSessions': "revokes the scan's other sessions (the parallel targets' tokens)",
};

/** The bounded CI subset: the first procedures scanned, plus those with free-text strings. */
const CI_TARGETS = ['auth.login', 'dashboard.trades', 'auth.renameSession', 'engine.control', 'invitation.inspect', 'admin.securityEvents.list'];

/** A marker no sample contains: replaced by sqlmap's `*` after serialisation. */
const MARK = '\u0001';

/** Strings tried, in order, for a field with a pattern, before fast-check builds one. */
const CANDIDATES = ['AAPL', 'scan', 'filled', '1', '1234', '2026-01-02', '2026-01-02T00:00:00Z', 'year:2026', 'scan-job', 'abc', 'a'];

function sampleString(s: Schema, here: string): string {
  if (s.enum) return String(s.enum[0]);
  if (s.const !== undefined) return String(s.const);
  if (typeof s.default === 'string') return s.default;
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Infinity;
  const fits = (v: string) => v.length >= min && v.length <= max && (!s.pattern || new RegExp(s.pattern, 'u').test(v));
  if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  if (s.format === 'email' || /(^|\.)email$/.test(here)) return 'scan@example.com';
  for (const v of CANDIDATES) {
    const padded = v.length < min ? v.padEnd(min, 'x') : v;
    if (fits(padded)) return padded;
  }
  if (s.pattern) {
    const built = fc.sample(fc.stringMatching(new RegExp(s.pattern, 'u')).filter(fits), { numRuns: 1, seed: 17 })[0];
    if (built !== undefined) return built;
  }
  return 'scan'.padEnd(min, 'x');
}

/**
 * A sample of schema `s` at `here`. Optional properties are left out unless they lead to
 * `field` (the one string marked as the injection point), so each field is scanned against an
 * answer its own sample decides, not one another field's sample spoils; `field` undefined
 * keeps every property (to list the fields).
 */
function sample(s: Schema, field?: string, here = '', every = false): Json {
  const options = s.anyOf ?? s.oneOf;
  if (options) return sample(options.find((o) => o.type !== 'null') ?? options[0]!, field, here, every);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'object' || s.properties) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      const at = here ? `${here}.${k}` : k;
      const wanted = every || field === undefined || s.required?.includes(k) || field === at || field.startsWith(`${at}.`);
      if (wanted) out[k] = sample(v, field, at, every);
    }
    return out;
  }
  if (type === 'array') return Array.from({ length: Math.max(1, s.minItems ?? 1) }, (_, i) => sample(s.items ?? {}, field, `${here}.${i}`, every));
  if (type === 'integer' || type === 'number') return typeof s.default === 'number' ? s.default : Math.min(Math.max(1, s.minimum ?? 1), s.maximum ?? 1);
  if (type === 'boolean') return typeof s.default === 'boolean' ? s.default : true;
  if (type === 'string' || s.enum || s.const !== undefined) return sampleString(s, here) + (field === here ? MARK : '');
  // Anything (z.unknown, a record): an empty object is the likeliest to be accepted.
  return s.default ?? {};
}

/** Paths of the string leaves of a sample. */
function stringPaths(value: Json, here = ''): string[] {
  if (typeof value === 'string') return [here];
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => stringPaths(v, here ? `${here}.${k}` : k));
}

function drop(value: Json, path: PropertyKey[]): void {
  let at: Json = value;
  for (const k of path.slice(0, -1)) at = at && typeof at === 'object' ? (at as Record<string, Json>)[k as string]! : null;
  if (at && typeof at === 'object' && !Array.isArray(at)) delete at[path.at(-1) as string];
}

/**
 * Optional fields whose sample breaks a rule the JSON schema cannot state (an email check,
 * "from before to", "range or from/to"): each path whose removal leaves fewer issues.
 */
function pathsToDrop(schema: z.ZodType, plain: Json): PropertyKey[][] {
  const dropped: PropertyKey[][] = [];
  let value = structuredClone(plain);
  let issues = schema.safeParse(value).error?.issues ?? [];
  for (let round = 0; round < 5 && issues.length; round++) {
    let better = false;
    for (const issue of issues) {
      if (!issue.path.length) continue;
      const next = structuredClone(value);
      drop(next, issue.path);
      const left = schema.safeParse(next).error?.issues ?? [];
      if (left.length < issues.length) {
        dropped.push(issue.path);
        value = next;
        issues = left;
        better = true;
        break;
      }
    }
    if (!better) break;
  }
  return dropped;
}

/** A marked sample without the optional fields that make it invalid (`field` stays). */
function variant(schema: z.ZodType, marked: Json, field: string) {
  const plain = JSON.parse(JSON.stringify(marked).replaceAll(JSON.stringify(MARK).slice(1, -1), '')) as Json;
  for (const path of pathsToDrop(schema, plain)) {
    if (path.join('.') === field) continue;
    drop(plain, path);
    drop(marked, path);
  }
  return [marked, schema.safeParse(plain)] as const;
}

/** `{"json": input}` with each marked string ending in `*`; for a query, url-encoded as well. */
function wire(input: Json, query: boolean): string {
  const text = JSON.stringify({ json: input });
  const marked = (query ? encodeURIComponent(text) : text).split(query ? encodeURIComponent(JSON.stringify(MARK).slice(1, -1)) : JSON.stringify(MARK).slice(1, -1));
  return marked.join('*');
}

interface Target {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body: string;
  bucket: string;
  /** The unmarked sample failed the procedure's own schema: the scan compares error pages. */
  invalid?: string;
}

function sqlmapTargets(): { targets: Target[]; skipped: { name: string; why: string }[]; noInput: number } {
  const targets: Target[] = [];
  const skipped: { name: string; why: string }[] = [];
  let noInput = 0;
  for (const [name, proc] of Object.entries(appRouter._def.procedures as unknown as Record<string, Procedure>)) {
    const { type, inputs, meta } = proc._def;
    if (type === 'subscription') {
      if (inputs.length) skipped.push({ name, why: 'a subscription (WebSocket only; sqlmap speaks HTTP)' });
      continue;
    }
    if (!inputs.length) {
      noInput++;
      continue;
    }
    if (SKIPPED[name]) {
      skipped.push({ name, why: SKIPPED[name] });
      continue;
    }
    const schema = inputs.length === 1 ? inputs[0]! : z.intersection(inputs[0]!, inputs[1]!);
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Schema;
    const query = type === 'query';
    const base = isSessionProcedure(name) ? '/api/auth' : '/api/trpc';
    for (const field of stringPaths(sample(json))) {
      // Alone with the required fields; failing that, with every field (some go in pairs).
      let [marked, check] = variant(schema, sample(json, field), field);
      if (!check.success) [marked, check] = variant(schema, sample(json, field, '', true), field);
      const body = wire(marked, query);
      targets.push({
        name: `${name}@${field}`,
        method: query ? 'GET' : 'POST',
        path: query ? `${base}/${name}?input=${body}` : `${base}/${name}`,
        body: query ? '-' : body,
        bucket: meta?.rateLimit ?? 'api',
        ...(check.success ? {} : { invalid: check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }),
      });
    }
  }
  return { targets, skipped, noInput };
}

const ci = process.argv.includes('--ci');
const { targets, skipped, noInput } = sqlmapTargets();
for (const t of targets) {
  if (ci && !CI_TARGETS.includes(t.name.split('@')[0]!)) continue;
  console.log([t.name, t.method, t.path, t.body, t.bucket].join('\t'));
  if (t.invalid) console.error(`sample refused by ${t.name}'s own schema (scanned anyway): ${t.invalid}`);
}
for (const s of skipped) console.error(`skipped ${s.name}: ${s.why}`);
console.error(`${noInput} queries and mutations take no input (nothing to inject)`);
