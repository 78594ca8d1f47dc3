// The source's import graph, read from the files themselves: which module imports which
// names from where. Enough for the layering and no-cycle checks in architecture.test.ts.
import fs from 'node:fs';
import path from 'node:path';

export interface ImportEdge {
  /** As written: './sign-in.ts', '@jutsu/db', 'express'. */
  specifier: string;
  /** Absolute path for a relative import, else undefined. */
  resolved: string | undefined;
  /** Named imports (without `type`), '*' for a namespace, 'default' for a default import. */
  names: string[];
  /** `import type { … }` / `export type { … } from`: gone at run time. */
  typeOnly: boolean;
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?([\s\S]*?)\s*from\s+['"]([^'"]+)['"]/g;
const SIDE_EFFECT = /(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

function namesOf(clause: string): string[] {
  const names: string[] = [];
  const braces = /\{([\s\S]*)\}/.exec(clause);
  if (braces) {
    for (const part of braces[1]!.split(',')) {
      const n = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim();
      if (n) names.push(n);
    }
  }
  const outside = clause.replace(/\{[\s\S]*\}/, '').trim().replace(/,$/, '').trim();
  if (outside.startsWith('*')) names.push('*');
  else if (outside && outside !== ',') names.push('default');
  return names;
}

/** Every import/re-export in one module's text. */
export function parseImports(file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(IMPORT)) {
    const clause = m[3]!;
    const specifier = m[4]!;
    const names = namesOf(clause);
    const allTypes = /^\{[\s\S]*\}$/.test(clause.trim()) && names.length > 0 && [...clause.matchAll(/\btype\s+\w+/g)].length === names.length;
    edges.push({ specifier, resolved: resolve(file, specifier), names, typeOnly: Boolean(m[2]) || allTypes });
  }
  for (const m of code.matchAll(SIDE_EFFECT)) edges.push({ specifier: m[1]!, resolved: resolve(file, m[1]!), names: [], typeOnly: false });
  return edges;
}

function resolve(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return path.resolve(path.dirname(file), specifier);
}

export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

export type ImportGraph = Map<string, ImportEdge[]>;

export function readGraph(root: string): ImportGraph {
  return new Map(sourceFiles(path.resolve(root)).map((f) => [f, parseImports(f, fs.readFileSync(f, 'utf8'))]));
}

/** Import cycles among the graph's modules (each once, as a path that returns to its start). */
export function findCycles(graph: ImportGraph, opts: { includeTypeOnly: boolean }): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const e of graph.get(node) ?? []) {
      if (!e.resolved || !graph.has(e.resolved) || (e.typeOnly && !opts.includeTypeOnly)) continue;
      const s = state.get(e.resolved);
      if (s === 'open') {
        const cycle = stack.slice(stack.indexOf(e.resolved));
        const key = [...cycle].sort().join('|');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, e.resolved]);
        }
      } else if (s === undefined) visit(e.resolved);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}
