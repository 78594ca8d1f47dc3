// docs/asvs.md and docs/threat-model.md cite tests as proof; this keeps every citation pointing
// at a test that exists, and the map complete, so the documents cannot silently rot.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ASVS_L2, checkCitations, checkMap, citationsInText, countStatuses, parseMap, testTitles } from './asvs-map.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const readRepoFile = (file: string): string | undefined => {
  const full = path.resolve(root, file);
  if (!full.startsWith(`${root}${path.sep}`) || !fs.existsSync(full) || !fs.statSync(full).isFile()) return undefined;
  return fs.readFileSync(full, 'utf8');
};

describe('the ASVS map checker', () => {
  const fakeTest = [
    "describe('sign-in', () => {",
    "  it('refuses a wrong password', async () => {});",
    '  it("keeps the user\'s session", () => {});',
    '  it(`rotates the refresh token`, () => {});',
    '  it(`locks after ${LIMIT} wrong codes`, () => {});',
    "  it.each(['viewer', 'trader'] as const)('answers a %s with FORBIDDEN', (role) => {});",
    "  test.skip('is skipped but still a test', () => {});",
    "  test.describe('not a test title', () => {});",
    '});',
  ].join('\n');
  const files: Record<string, string> = { 'apps/api/src/fake.test.ts': fakeTest };
  const readFile = (f: string) => files[f];

  const map = (rows: string, extra = '') =>
    [
      ...Object.keys(ASVS_L2).map((v) => `## ${v} Chapter\n`),
      '## V2 Authentication',
      '| id | requirement | status | proof | gap or reason |',
      '|---|---|---|---|---|',
      rows,
      '## NIST SP 800-63B',
      '| id | rule | status | proof | gap or reason |',
      '|---|---|---|---|---|',
      '| 5.2.2 | throttling | met | `apps/api/src/fake.test.ts` › `refuses a wrong password` | |',
      extra,
    ].join('\n');

  it('reads test titles in every quoting style (templates as written), inside describe and it.each, but not describe titles', () => {
    expect([...testTitles(fakeTest)].sort()).toEqual(
      ['answers a %s with FORBIDDEN', 'is skipped but still a test', "keeps the user's session", 'locks after ${LIMIT} wrong codes', 'refuses a wrong password', 'rotates the refresh token'].sort(),
    );
  });

  it('accepts a well-formed map', () => {
    const md = map(
      [
        '| 2.1.1 | long passwords | met | `apps/api/src/fake.test.ts` › `refuses a wrong password`; `apps/api/src/fake.test.ts` › `answers a %s with FORBIDDEN` | |',
        '| 2.1.2 | max length | partly met | `apps/api/src/fake.test.ts` › `keeps the user\'s session` | no UI test |',
        '| 2.1.3 | no truncation | not met | | truncates at 72 bytes |',
        '| 2.1.4 | unicode | not applicable | | no passwords here |',
      ].join('\n'),
    );
    expect(checkMap(parseMap(md), { readFile })).toEqual([]);
  });

  it('fails on a renamed test, naming it and the row', () => {
    const md = map('| 2.1.1 | long passwords | met | `apps/api/src/fake.test.ts` › `refuses a wrong passphrase` | |');
    const problems = checkMap(parseMap(md), { readFile });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^2\.1\.1 \(line \d+\): no test titled "refuses a wrong passphrase" in apps\/api\/src\/fake\.test\.ts$/);
  });

  it('fails on a missing file, a describe title, an unknown or missing status, and a met row without proof', () => {
    const md = map(
      [
        '| 2.1.1 | a | met | `apps/api/src/gone.test.ts` › `refuses a wrong password` | |',
        '| 2.1.2 | b | met | `apps/api/src/fake.test.ts` › `sign-in` | |',
        '| 2.1.3 | c | done | | |',
        '| 2.1.4 | d |  | | |',
        '| 2.1.5 | e | met | | |',
        '| 2.1.6 | f | met | see the tests | |',
      ].join('\n'),
    );
    const problems = checkMap(parseMap(md), { readFile }).join('\n');
    expect(problems).toContain('2.1.1 (line');
    expect(problems).toMatch(/cited file apps\/api\/src\/gone\.test\.ts does not exist/);
    expect(problems).toMatch(/2\.1\.2 .*no test titled "sign-in"/);
    expect(problems).toMatch(/2\.1\.3 .*unknown status "done"/);
    expect(problems).toMatch(/2\.1\.4 .*no status/);
    expect(problems).toMatch(/2\.1\.5 .*met without a cited test/);
    expect(problems).toMatch(/2\.1\.6 .*not a citation: "seethetests"/);
  });

  it('fails on an unexplained gap, a reasonless not-applicable, a duplicate, a deleted id and a missing chapter', () => {
    const md = map(
      [
        '| 2.1.1 | a | partly met | `apps/api/src/fake.test.ts` › `refuses a wrong password` | |',
        '| 2.1.2 | b | not met | | |',
        '| 2.1.3 | c | not applicable | | |',
        '| 2.1.3 | c again | not applicable | | reason |',
        '| 4.1.4 | deleted | not applicable | | reason |',
      ].join('\n'),
    ).replace('## V9 Chapter', '## Nine');
    const problems = checkMap(parseMap(md), { readFile }).join('\n');
    expect(problems).toMatch(/2\.1\.1 .*partly met without saying what is missing/);
    expect(problems).toMatch(/2\.1\.2 .*not met without saying what is missing/);
    expect(problems).toMatch(/2\.1\.3 .*not applicable without a reason/);
    expect(problems).toMatch(/2\.1\.3 .*appears twice/);
    expect(problems).toMatch(/4\.1\.4 .*deleted in ASVS 4\.0\.3/);
    expect(problems).toMatch(/chapter V9 is missing/);
  });

  it('fails when a Level 2 requirement is missing or the stated counts are wrong', () => {
    const md = map('| 2.1.1 | a | not met | | missing |', 'Status counts: met 3, partly met 0, not met 1, not applicable 0');
    const problems = checkMap(parseMap(md), { readFile, requireAllIds: true }).join('\n');
    expect(problems).toMatch(/V2: Level 2 requirements missing: 2\.1\.2, 2\.1\.3/);
    expect(problems).toMatch(/V14: Level 2 requirements missing: 14\.1\.1/);
    expect(problems).toMatch(/status counts line says met 3, the ASVS tables have 0/);
  });
});

describe('docs/asvs.md', () => {
  const text = readRepoFile('docs/asvs.md');

  it('exists, lists every Level 2 requirement once, and every cited test exists', () => {
    expect(text).toBeDefined();
    const parsed = parseMap(text!);
    expect(checkMap(parsed, { readFile: readRepoFile, requireAllIds: true })).toEqual([]);
    const asvs = parsed.rows.filter((r) => r.chapter !== 'NIST');
    const nist = parsed.rows.filter((r) => r.chapter === 'NIST');
    expect(nist.length).toBeGreaterThan(0);
    // Quoted by the release notes: where the project stands.
    console.log(`ASVS 4.0.3 L2 (${asvs.length} requirements):`, countStatuses(asvs), `NIST 800-63B (${nist.length} rules):`, countStatuses(nist));
  });
});

describe('docs/threat-model.md', () => {
  it('cites only tests that exist', () => {
    const text = readRepoFile('docs/threat-model.md');
    expect(text).toBeDefined();
    const citations = citationsInText(text!);
    expect(citations.length).toBeGreaterThan(0);
    expect(checkCitations(citations, readRepoFile)).toEqual([]);
  });
});
