// Layering rules read from the source itself. Services run from timers as well as from
// requests, so only the HTTP side (routers, tRPC middleware, http/) may know about the
// request: the tRPC context, Express or a WebSocket. And no module may import itself back.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, parseImports, readGraph, type ImportGraph } from './testing/import-graph.ts';

const SRC = path.resolve(import.meta.dirname);
const rel = (f: string) => path.relative(SRC, f).split(path.sep).join('/');

/** Files that may see the request: routers, the tRPC layer, the HTTP server, the cookie helpers (and tests, as clients). */
function mayUseRequest(file: string): boolean {
  const r = rel(file);
  return r.endsWith('.test.ts') || r.startsWith('trpc/') || r.startsWith('http/') || r.startsWith('testing/') || /(^|\/|-)router\.ts$/.test(r) || r === 'auth/cookies.ts';
}

/** From trpc/context.ts everyone may take the plain AuthState; nothing else. */
const CONTEXT_MODULE = path.join(SRC, 'trpc/context.ts');
const REQUEST_PACKAGES = new Set(['express', 'ws']);

function requestLeaks(graph: ImportGraph): string[] {
  const leaks: string[] = [];
  for (const [file, edges] of graph) {
    if (mayUseRequest(file)) continue;
    for (const e of edges) {
      if (e.resolved && e.resolved.replace(/\.ts$/, '') === CONTEXT_MODULE.replace(/\.ts$/, '')) {
        const bad = e.names.filter((n) => n !== 'AuthState');
        if (bad.length) leaks.push(`${rel(file)} imports ${bad.join(', ')} from trpc/context.ts`);
      }
      if (REQUEST_PACKAGES.has(e.specifier)) leaks.push(`${rel(file)} imports ${e.specifier}`);
    }
  }
  return leaks;
}

describe('layering', () => {
  const graph = readGraph(SRC);

  it('reads the real source', () => {
    expect(graph.has(path.join(SRC, 'auth/sign-in.ts'))).toBe(true);
    const router = graph.get(path.join(SRC, 'auth/router.ts'))!;
    expect(router.some((e) => e.specifier === './sign-in.ts' && e.names.includes('completeSignIn'))).toBe(true);
  });

  it('keeps the request (tRPC context, Express, WebSocket) out of services', () => {
    expect(requestLeaks(graph)).toEqual([]);
  });

  it('would catch a service that takes the tRPC context or Express', () => {
    const file = path.join(SRC, 'auth/some-service.ts');
    const planted: ImportGraph = new Map([
      [
        file,
        parseImports(
          file,
          "import type { AuthState, Context } from '../trpc/context.ts';\nimport {\n  type AuthedContext,\n} from '../trpc/context.ts';\nimport type { Request } from 'express';\n",
        ),
      ],
      [path.join(SRC, 'auth/fine.ts'), parseImports(path.join(SRC, 'auth/fine.ts'), "import type { AuthState } from '../trpc/context.ts';\n")],
      [path.join(SRC, 'auth/router.ts'), parseImports(path.join(SRC, 'auth/router.ts'), "import type { Context } from '../trpc/context.ts';\n")],
    ]);
    expect(requestLeaks(planted)).toEqual([
      'auth/some-service.ts imports Context from trpc/context.ts',
      'auth/some-service.ts imports AuthedContext from trpc/context.ts',
      'auth/some-service.ts imports express',
    ]);
  });
});

describe('import cycles', () => {
  it('has none at run time', () => {
    const cycles = findCycles(readGraph(SRC), { includeTypeOnly: false }).map((c) => c.map(rel).join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('has none through type imports either, but the one left for http/socket-registry.ts', () => {
    // That file still takes AuthState from trpc/context.ts (services -> socket registry ->
    // context -> services); importing it from auth/auth-state.ts ends the last one.
    const known = (c: string[]) => c.some((f, i) => f === 'http/socket-registry.ts' && c[i + 1] === 'trpc/context.ts');
    const cycles = findCycles(readGraph(SRC), { includeTypeOnly: true }).map((c) => c.map(rel));
    expect(cycles.filter((c) => !known(c)).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('would catch one', () => {
    const a = path.join(SRC, 'a.ts');
    const b = path.join(SRC, 'b.ts');
    const c = path.join(SRC, 'c.ts');
    const graph: ImportGraph = new Map([
      [a, parseImports(a, "import { b } from './b.ts';\n")],
      [b, parseImports(b, "import type { C } from './c.ts';\nimport { a } from './a.ts';\n")],
      [c, parseImports(c, "import type { A } from './a.ts';\n")],
    ]);
    expect(findCycles(graph, { includeTypeOnly: false }).map((cy) => cy.map(rel))).toEqual([['a.ts', 'b.ts', 'a.ts']]);
    expect(findCycles(graph, { includeTypeOnly: true })).toHaveLength(2);
  });

  it('keeps the keyring free of auth (Schwab tokens will share it)', () => {
    const keyring = readGraph(SRC).get(path.join(SRC, 'security/keyring.ts'))!;
    expect(keyring.filter((e) => e.resolved?.includes(`${path.sep}auth${path.sep}`)).map((e) => e.specifier)).toEqual([]);
  });
});
