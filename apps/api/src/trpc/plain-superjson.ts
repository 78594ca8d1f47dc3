// superjson's serialize, fast for the data nearly every answer is: plain objects and arrays
// of strings, finite numbers, booleans, null and Dates. superjson's generic walker (path
// arrays copied per value, identity maps, class-registry checks) was the largest single cost
// of the dashboard's 200-row answers. Anything else — undefined, bigint, Map, Set, class
// instances, NaN/±Infinity/-0, an invalid Date, a shared object, a key superjson would escape
// or refuse — goes to superjson itself, so the output is always exactly superjson's.
import superjson from 'superjson';

type SuperJsonOutput = ReturnType<typeof superjson.serialize>;

const NOT_PLAIN = Symbol('not plain');
const DATE: ['Date'] = ['Date'];
/** A key JavaScript orders first in an object (a canonical array index). */
const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;
const isIndexKey = (key: string | number) => typeof key === 'number' || (INDEX_KEY.test(key) && Number(key) < 4_294_967_295);

/**
 * superjson.serialize(value), built directly when the value is plain data. Each Date's path
 * is built once, top down; the order of the paths is superjson's: its walker gathers each
 * container's annotations in an object, where a direct Date child under an index-like key
 * comes before the paths of deeper Dates.
 */
export function serializePlain(value: unknown): SuperJsonOutput {
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const seen = new Set<object>();
    const paths: string[] = [];
    const walk = (v: unknown, path: string): unknown => {
      switch (typeof v) {
        case 'string':
        case 'boolean':
          return v;
        case 'number':
          return Number.isFinite(v) && !Object.is(v, -0) ? v : NOT_PLAIN;
        case 'object': {
          if (v === null) return v;
          if (seen.has(v)) return NOT_PLAIN; // superjson would record a referential equality
          seen.add(v);
          if (v instanceof Date) {
            if (Number.isNaN(v.getTime())) return NOT_PLAIN;
            paths.push(path);
            return v.toISOString();
          }
          const prefix = path === '' ? '' : `${path}.`;
          const start = paths.length;
          let indexDates: string[] | undefined;
          const child = (c: unknown, key: string | number): unknown => {
            // Leaves need no path: it is built only for objects and Dates.
            if (typeof c !== 'object' || c === null) return walk(c, '');
            const r = walk(c, prefix + key);
            // A Date under an index-like key goes before the deeper paths of this container.
            if (c instanceof Date && r !== NOT_PLAIN && isIndexKey(key)) (indexDates ??= []).push(paths.pop()!);
            return r;
          };
          let out: unknown[] | Record<string, unknown>;
          if (Array.isArray(v)) {
            const arr: unknown[] = new Array(v.length);
            for (let i = 0; i < v.length; i++) {
              if (!(i in v)) return NOT_PLAIN;
              const r = child(v[i], i);
              if (r === NOT_PLAIN) return NOT_PLAIN;
              arr[i] = r;
            }
            out = arr;
          } else {
            if (Object.getPrototypeOf(v) !== Object.prototype) return NOT_PLAIN;
            const obj: Record<string, unknown> = {};
            for (const k of Object.keys(v)) {
              if (k.includes('.') || k.includes('\\') || k === '__proto__' || k === 'constructor' || k === 'prototype') return NOT_PLAIN;
              const r = child((v as Record<string, unknown>)[k], k);
              if (r === NOT_PLAIN) return NOT_PLAIN;
              obj[k] = r;
            }
            out = obj;
          }
          if (indexDates) paths.splice(start, 0, ...indexDates);
          return out;
        }
        default:
          return NOT_PLAIN;
      }
    };
    const json = walk(value, '');
    if (json !== NOT_PLAIN) {
      if (paths.length === 0) return { json } as SuperJsonOutput;
      const values: Record<string, ['Date']> = {};
      for (const p of paths) values[p] = DATE;
      return { json, meta: { values, v: 1 } } as SuperJsonOutput;
    }
  }
  return superjson.serialize(value);
}
