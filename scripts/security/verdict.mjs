// The verdict of `pnpm test:security` (scripts/test-security.sh): reads the scanners' reports
// and fails on any finding above informational that is not explained below. Each
// explanation is an entry in docs/decisions.md ("Security scanners: accepted findings").
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: verdict.mjs <reports dir>');
const read = (name) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8') : null);

/** testssl.sh finding ids explained in docs/decisions.md. */
const TESTSSL_EXPLAINED = {
  // The scan's certificate is self-signed on purpose (no CA here); a real install brings its own.
  cert_chain_of_trust: 'self-signed test certificate',
  cert_trust: 'self-signed test certificate',
  OCSP_stapling: 'a self-signed certificate names no OCSP responder; nginx staples when a real one does',
  cert_ocspURL: 'a self-signed certificate names no OCSP responder',
  cert_crlDistributionPoints: 'a self-signed certificate names no CRL',
  cert_revocation: 'a self-signed certificate names no OCSP responder or CRL',
  cert_expirationStatus: 'the test certificate lives one day',
  cert_validityPeriod: 'the test certificate lives one day',
  cert_notAfter: 'the test certificate lives one day',
  DNS_CAArecord: 'the scan runs against localhost, which has no DNS CAA record',
  // The only compressed response tested is the SPA's static index: no secret, nothing
  // reflected from the request. Auth responses (which carry tokens) are never compressed.
  BREACH: 'compression on static, secret-free pages only',
  // testssl.sh's notes about the local openssl it runs with, not about the server.
  engine_problem: 'a limit of the scanning machine, not of nginx',
  RC4: 'the local openssl cannot offer RC4; nginx is configured without it',
  // A WARN, not a finding: the probe for session tickets failed (nginx has them off).
  sessionresumption_ticket: 'probe failed; ssl_session_tickets is off',
};

/** wapiti findings (category and the info text's start) explained in docs/decisions.md. */
const WAPITI_EXPLAINED = [
  // Obsolete; modern browsers ignore it and OWASP advises not to set it. CSP does the work.
  { category: 'HTTP Secure Headers', info: /^X-XSS-Protection is not set/, why: 'X-XSS-Protection is obsolete; CSP is set' },
];

const problems = [];
const notes = [];
const rank = { INFO: 0, OK: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4, WARN: 1, FATAL: 4 };

const testssl = read('testssl.json');
if (!testssl) problems.push('testssl.sh wrote no report');
else {
  const rows = JSON.parse(testssl);
  let count = 0;
  for (const r of rows) {
    if ((rank[r.severity] ?? 0) < 1) continue;
    count++;
    const why = TESTSSL_EXPLAINED[r.id];
    (why ? notes : problems).push(`testssl ${r.severity} ${r.id}: ${r.finding}${why ? ` (explained: ${why})` : ''}`);
  }
  notes.push(`testssl: ${rows.length} checks, ${count} above informational`);
}

const wapiti = read('wapiti.json');
if (!wapiti) problems.push('wapiti wrote no report');
else {
  const report = JSON.parse(wapiti);
  let count = 0;
  for (const section of ['vulnerabilities', 'anomalies']) {
    for (const [category, items] of Object.entries(report[section] ?? {})) {
      for (const item of items) {
        count++;
        const line = `wapiti ${section} "${category}" (level ${item.level}): ${item.method ?? ''} ${item.path ?? ''} ${item.info ?? ''}`.trim();
        const why = WAPITI_EXPLAINED.find((e) => e.category === category && e.info.test(item.info ?? ''))?.why;
        (why ? notes : problems).push(why ? `${line} (explained: ${why})` : line);
      }
    }
  }
  // Wapiti 3.0's report has no count of what it found; its console output says it.
  const found = /Wapiti found (\d+) URLs and forms/.exec(read('wapiti.txt') ?? '')?.[1];
  const crawled = report.infos?.crawled_pages_nbr ?? report.infos?.crawled_pages?.length ?? found ?? '?';
  notes.push(`wapiti: ${crawled} URLs and forms attacked, ${count} findings`);
  // Fewer than the start URLs the script gives it means wapiti stopped reaching the app.
  if (found !== undefined && Number(found) < 10) problems.push(`wapiti found only ${found} URLs and forms (expected the SPA's routes and the queries)`);
  // What nginx answered while wapiti ran (the script cuts its access log to that window): an
  // attack answered 429 tested the rate limit, not the code behind the URL.
  const statuses = read('wapiti-statuses.txt');
  if (statuses !== null) {
    const counts = Object.fromEntries(statuses.trim().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/).reverse()));
    const total = Object.values(counts).reduce((a, n) => a + Number(n), 0);
    const limited = Number(counts['429'] ?? 0);
    notes.push(`wapiti: ${total} requests answered ${Object.entries(counts).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    if (total === 0) problems.push('nginx logged no request from wapiti');
    else if (limited > total * 0.01) problems.push(`wapiti: ${limited} of ${total} requests were refused with 429 (rate limit), not attacked`);
    const errors = Object.entries(counts).filter(([s]) => s.startsWith('5'));
    if (errors.length) problems.push(`wapiti provoked server errors: ${errors.map(([s, n]) => `${s}×${n}`).join(' ')}`);
  }
}

// One report per procedure field; a 5xx to any of sqlmap's malformed inputs is a finding too
// (bad input must answer a typed client error), and 429s say the scan saw a refusal instead.
const sqlmap = { scanned: 0, limited: [] };
for (const name of fs.readdirSync(dir).filter((f) => /^sqlmap-.*\.txt$/.test(f) && f !== 'sqlmap-targets.txt').sort()) {
  const text = read(name) ?? '';
  const target = name.slice(7, -4);
  const codes = Object.fromEntries([...(text.match(/^responses: (.*)$/m)?.[1] ?? '').matchAll(/(\d+):(\d+)/g)].map((m) => [m[1], Number(m[2])]));
  sqlmap.scanned++;
  if (/identified the following injection point|is vulnerable/i.test(text)) problems.push(`sqlmap ${target}: an injection point was found`);
  else if (!/all tested parameters do not appear to be injectable/i.test(text)) problems.push(`sqlmap ${target}: did not finish (${text.split('\n').findLast((l) => /ERROR|CRITICAL|could not/.test(l)) ?? 'see the report'})`);
  for (const [code, n] of Object.entries(codes)) if (Number(code) >= 500) problems.push(`sqlmap ${target}: ${n} answer(s) ${code} to malformed input`);
  if (codes['429']) sqlmap.limited.push(`${target} (${codes['429']})`);
  notes.push(`sqlmap ${target}: no injection; answers ${Object.entries(codes).map(([c, n]) => `${c}×${n}`).join(' ') || 'none recorded'}`);
}
notes.push(`sqlmap: ${sqlmap.scanned} fields scanned${sqlmap.limited.length ? `; rate-limited answers in ${sqlmap.limited.join(', ')}` : ''}`);

for (const n of notes) console.log(`  ${n}`);
if (problems.length) {
  console.error(`security scan: ${problems.length} finding(s) not explained in docs/decisions.md:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('security scan: nothing above informational that is not explained');
