// The fast path must give superjson's exact output, and hand everything it does not know to superjson.
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { serializePlain } from './plain-superjson.ts';

const same = (v: unknown) => expect(JSON.stringify(serializePlain(v))).toBe(JSON.stringify(superjson.serialize(v)));

/** A random tree of the values answers carry, with a seeded generator (reproducible). */
function randomTree(seed: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const leaf = (): unknown => {
    const r = rnd();
    if (r < 0.2) return String(Math.floor(rnd() * 1e6) / 100);
    if (r < 0.35) return rnd() * 100 - 50;
    if (r < 0.45) return rnd() < 0.5;
    if (r < 0.6) return null;
    return new Date(Math.floor(rnd() * 2e12));
  };
  const node = (depth: number): unknown => {
    if (depth > 3 || rnd() < 0.3) return leaf();
    if (rnd() < 0.4) return Array.from({ length: Math.floor(rnd() * 4) }, () => node(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = 0; i < Math.floor(rnd() * 5); i++) o[rnd() < 0.25 ? String(4 - i) : `k${i}`] = node(depth + 1); // integer-like keys too: objects order them first
    return o;
  };
  return { root: node(0), list: [node(1), node(1)] };
}

describe('serializePlain', () => {
  it('equals superjson on plain data with dates, at every depth', () => {
    same({ asOf: new Date(0), positions: [{ a: '1', u: new Date(1), n: null, w: 0.5, b: true }, { u: new Date(2) }], t: { x: 1, e: [], o: {} } });
    same({ a: 'no dates at all', n: [1, 2, 3] });
    same([new Date(5), { d: new Date(6) }]);
    for (let seed = 1; seed <= 1000; seed++) same(randomTree(seed));
  });

  it.each([
    ['undefined', { a: undefined }],
    ['bigint', { a: 1n }],
    ['NaN', { a: Number.NaN }],
    ['Infinity', { a: [Number.POSITIVE_INFINITY] }],
    ['-0', { a: -0 }],
    ['invalid Date', { a: new Date(Number.NaN) }],
    ['Map', { a: new Map([[1, 2]]) }],
    ['Set', { a: new Set([1]) }],
    ['a class instance', { a: new (class Money {
      v = '1';
    })() }],
    ['Error', { a: new Error('x') }],
    ['a dotted key', { 'a.b': new Date(1) }],
    ['a backslash key', { 'a\\b': new Date(1) }],
    ['a shared object', (() => {
      const o = { x: new Date(1) };
      return { a: o, b: o };
    })()],
    ['a shared Date', (() => {
      const d = new Date(1);
      return { a: d, b: d };
    })()],
    ['a null-prototype object', { a: Object.assign(Object.create(null) as object, { x: 1 }) }],
    ['a sparse array', { a: Object.assign(new Array<number>(3), { 0: 1, 2: 3 }) }],
    ['a top-level Date', new Date(3)],
    ['a top-level string', 'x'],
    ['undefined at the top', undefined],
  ])('leaves %s to superjson', (_what, v) => {
    same(v);
  });

  it('refuses what superjson refuses', () => {
    const polluted = JSON.parse('{"__proto__": {"x": 1}}') as unknown;
    expect(() => serializePlain({ a: polluted })).toThrow();
  });

  it('round-trips through superjson.deserialize', () => {
    const v = { at: new Date('2026-03-02T15:00:00.123Z'), rows: [{ when: new Date(7), s: '1.5' }] };
    expect(superjson.deserialize(serializePlain(v))).toEqual(v);
  });
});
