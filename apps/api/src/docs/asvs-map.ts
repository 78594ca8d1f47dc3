// Reads docs/asvs.md (and the citations in docs/threat-model.md) and says what is wrong with
// them: a cited file or test that no longer exists, a row without a status, a "met" without
// proof, a requirement missing or listed twice. Pure functions over text, so the check itself
// can be tested with small broken maps.

export const STATUSES = ['met', 'partly met', 'not met', 'not applicable'] as const;
export type Status = (typeof STATUSES)[number];

/** OWASP ASVS 4.0.3, every requirement marked L2 in the chapters this project maps (L3-only and deleted ids excluded). */
export const ASVS_L2: Readonly<Record<string, readonly string[]>> = {
  V2: [
    ...range('2.1', 12), ...range('2.2', 3), ...range('2.3', 3), ...range('2.4', 6), ...range('2.5', 7),
    ...range('2.6', 3), ...range('2.7', 6), ...range('2.8', 7), ...range('2.9', 3), ...range('2.10', 4),
  ],
  V3: [...range('3.1', 1), ...range('3.2', 4), ...range('3.3', 4), ...range('3.4', 5), ...range('3.5', 3), ...range('3.7', 1)],
  V4: ['4.1.1', '4.1.2', '4.1.3', '4.1.5', ...range('4.2', 2), ...range('4.3', 3)],
  V6: [...range('6.1', 3), ...range('6.2', 6), ...range('6.3', 2), ...range('6.4', 2)],
  V7: [...range('7.1', 4), ...range('7.2', 2), '7.3.1', '7.3.3', '7.3.4', ...range('7.4', 3)],
  V8: [...range('8.1', 4), ...range('8.2', 3), ...range('8.3', 8)],
  V9: [...range('9.1', 3), ...range('9.2', 4)],
  V13: ['13.1.1', '13.1.3', '13.1.4', '13.1.5', '13.2.1', '13.2.2', '13.2.3', '13.2.5', '13.2.6', ...range('13.3', 2), ...range('13.4', 2)],
  V14: [...range('14.1', 4), ...range('14.2', 6), '14.3.2', '14.3.3', ...range('14.4', 7), ...range('14.5', 4)],
};

/** Ids 4.0.3 marks deleted (merged into another requirement): they must not appear as rows. */
export const ASVS_DELETED = ['4.1.4', '7.3.2', '13.1.2', '13.2.4', '14.3.1'] as const;

function range(section: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${section}.${i + 1}`);
}

export interface Citation {
  file: string;
  title: string;
}

export interface Row {
  /** "V2" … "V14", or "NIST" for the 800-63B section. */
  chapter: string;
  id: string;
  summary: string;
  status: string;
  proof: Citation[];
  /** Text of the proof cell that is not a citation (should be only separators). */
  proofLeftover: string;
  gap: string;
  /** Tests cited in passing in the gap or reason cell; they must exist too. */
  gapCitations: Citation[];
  line: number;
}

export interface ParsedMap {
  rows: Row[];
  chapters: Set<string>;
  /** Counts stated in the document's summary line, when present. */
  statedCounts: Partial<Record<Status, number>> | undefined;
}

const CITATION = /`([^`]+)`\s*›\s*`([^`]+)`/g;

export function parseCitations(cell: string): { citations: Citation[]; leftover: string } {
  const citations = [...cell.matchAll(CITATION)].map((m) => ({ file: m[1]!, title: m[2]! }));
  return { citations, leftover: cell.replace(CITATION, '').replace(/[;\s]/g, '') };
}

/** Splits a markdown table row on unescaped pipes. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

export function parseMap(markdown: string): ParsedMap {
  const rows: Row[] = [];
  const chapters = new Set<string>();
  let chapter: string | undefined;
  let statedCounts: ParsedMap['statedCounts'];
  markdown.split('\n').forEach((text, i) => {
    const heading = /^##\s+(.*)$/.exec(text);
    if (heading) {
      const v = /^(V\d+)\b/.exec(heading[1]!);
      chapter = v ? v[1]! : /^NIST\b/.test(heading[1]!) ? 'NIST' : undefined;
      if (chapter) chapters.add(chapter);
      return;
    }
    const summary = /^Status counts:\s*(.*)$/.exec(text);
    if (summary) {
      statedCounts = {};
      for (const part of summary[1]!.split(',')) {
        const m = /^\s*(met|partly met|not met|not applicable)\s+(\d+)\s*\.?\s*$/.exec(part);
        if (m) statedCounts[m[1] as Status] = Number(m[2]);
      }
      return;
    }
    if (!chapter || !text.trimStart().startsWith('|')) return;
    const c = cells(text);
    const id = c[0] ?? '';
    // Header and separator rows.
    if (!/^\d/.test(id)) return;
    const { citations, leftover } = parseCitations(c[3] ?? '');
    rows.push({ chapter, id, summary: c[1] ?? '', status: c[2] ?? '', proof: citations, proofLeftover: leftover, gap: c[4] ?? '', gapCitations: parseCitations(c[4] ?? '').citations, line: i + 1 });
  });
  return { rows, chapters, statedCounts };
}

/**
 * Every test title in a vitest or Playwright file: it('…'), test('…'), it.each(…)('…'),
 * it.skip / test.only …, in single, double or template quotes. A template title keeps its
 * interpolations as written (`after ${LIMIT} tries`), as an it.each title keeps its %s.
 */
export function testTitles(source: string): Set<string> {
  const titles = new Set<string>();
  const start = /(?<![\w$.])(?:it|test)((?:\.(?:only|skip|concurrent|sequential|fails|fixme|slow))*)(\.each)?\s*(?=\()/g;
  for (const m of source.matchAll(start)) {
    let pos = m.index + m[0].length;
    if (m[2]) {
      pos = skipBalanced(source, pos);
      if (pos < 0) continue;
      pos = skipSpace(source, pos);
      if (source[pos] !== '(') continue;
    }
    pos = skipSpace(source, pos + 1);
    const literal = readString(source, pos);
    if (literal !== undefined) titles.add(literal);
  }
  return titles;
}

function skipSpace(s: string, pos: number): number {
  while (pos < s.length && /\s/.test(s[pos]!)) pos++;
  return pos;
}

/** From an opening bracket, the position after its matching close; strings are skipped whole. */
function skipBalanced(s: string, pos: number): number {
  let depth = 0;
  for (let i = pos; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '"' || ch === "'" || ch === '`') {
      const end = stringEnd(s, i);
      if (end < 0) return -1;
      i = end;
    } else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Index of the closing quote of the string starting at pos. */
function stringEnd(s: string, pos: number): number {
  const quote = s[pos]!;
  for (let i = pos + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === quote) return i;
  }
  return -1;
}

function readString(s: string, pos: number): string | undefined {
  const quote = s[pos];
  if (quote !== '"' && quote !== "'" && quote !== '`') return undefined;
  const end = stringEnd(s, pos);
  if (end < 0) return undefined;
  return s.slice(pos + 1, end).replace(/\\(.)/g, '$1');
}

export interface CheckOptions {
  /** Reads a repository file, or undefined when it does not exist. */
  readFile: (path: string) => string | undefined;
  /** Require exactly the ASVS_L2 ids (off for small test maps). */
  requireAllIds?: boolean;
}

/** Problems with the citations of a document: a missing file, or a title no test in it has. */
export function checkCitations(citations: { citation: Citation; where: string }[], readFile: CheckOptions['readFile']): string[] {
  const problems: string[] = [];
  const cache = new Map<string, Set<string> | undefined>();
  for (const { citation, where } of citations) {
    if (!cache.has(citation.file)) {
      const text = readFile(citation.file);
      cache.set(citation.file, text === undefined ? undefined : testTitles(text));
    }
    const titles = cache.get(citation.file);
    if (!titles) problems.push(`${where}: cited file ${citation.file} does not exist`);
    else if (!titles.has(citation.title)) problems.push(`${where}: no test titled "${citation.title}" in ${citation.file}`);
  }
  return problems;
}

export function checkMap(map: ParsedMap, options: CheckOptions): string[] {
  const problems: string[] = [];
  for (const chapter of Object.keys(ASVS_L2)) {
    if (!map.chapters.has(chapter)) problems.push(`chapter ${chapter} is missing`);
  }
  if (!map.chapters.has('NIST')) problems.push('the NIST SP 800-63B section is missing');

  const seen = new Set<string>();
  const citations: { citation: Citation; where: string }[] = [];
  for (const row of map.rows) {
    const where = `${row.chapter === 'NIST' ? 'NIST ' : ''}${row.id} (line ${row.line})`;
    const key = `${row.chapter === 'NIST' ? 'NIST' : 'ASVS'}:${row.id}`;
    if (seen.has(key)) problems.push(`${where}: id appears twice`);
    seen.add(key);
    if (row.chapter !== 'NIST') {
      const expected = ASVS_L2[row.chapter];
      if (!expected?.includes(row.id)) {
        problems.push(
          (ASVS_DELETED as readonly string[]).includes(row.id)
            ? `${where}: ${row.id} was deleted in ASVS 4.0.3`
            : `${where}: ${row.id} is not an ASVS 4.0.3 Level 2 requirement of ${row.chapter}`,
        );
      }
    }
    if (!row.summary) problems.push(`${where}: no requirement summary`);
    if (row.proofLeftover) problems.push(`${where}: proof cell has text that is not a citation: "${row.proofLeftover}"`);
    const status = row.status as Status;
    if (!row.status) problems.push(`${where}: no status`);
    else if (!STATUSES.includes(status)) problems.push(`${where}: unknown status "${row.status}"`);
    else if (status === 'met' && row.proof.length === 0) problems.push(`${where}: met without a cited test`);
    else if (status === 'partly met' && !row.gap) problems.push(`${where}: partly met without saying what is missing`);
    else if (status === 'not met' && !row.gap) problems.push(`${where}: not met without saying what is missing`);
    else if (status === 'not met' && row.proof.length > 0) problems.push(`${where}: not met but cites tests (say partly met)`);
    else if (status === 'not applicable' && !row.gap) problems.push(`${where}: not applicable without a reason`);
    for (const citation of [...row.proof, ...row.gapCitations]) citations.push({ citation, where });
  }

  if (options.requireAllIds) {
    for (const [chapter, ids] of Object.entries(ASVS_L2)) {
      const missing = ids.filter((id) => !seen.has(`ASVS:${id}`));
      if (missing.length > 0) problems.push(`${chapter}: Level 2 requirements missing: ${missing.join(', ')}`);
    }
  }

  if (map.statedCounts) {
    const actual = countStatuses(map.rows.filter((r) => r.chapter !== 'NIST'));
    for (const status of STATUSES) {
      if ((map.statedCounts[status] ?? 0) !== actual[status]) {
        problems.push(`status counts line says ${status} ${map.statedCounts[status] ?? 0}, the ASVS tables have ${actual[status]}`);
      }
    }
  }

  return [...problems, ...checkCitations(citations, options.readFile)];
}

export function countStatuses(rows: Row[]): Record<Status, number> {
  const counts = { met: 0, 'partly met': 0, 'not met': 0, 'not applicable': 0 };
  for (const row of rows) if (STATUSES.includes(row.status as Status)) counts[row.status as Status]++;
  return counts;
}

/** Every citation anywhere in a free-text document (the threat model). */
export function citationsInText(markdown: string): { citation: Citation; where: string }[] {
  const found: { citation: Citation; where: string }[] = [];
  markdown.split('\n').forEach((line, i) => {
    for (const citation of parseCitations(line).citations) found.push({ citation, where: `line ${i + 1}` });
  });
  return found;
}
