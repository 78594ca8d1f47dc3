// Reads what `pnpm audit --json` printed and decides: `skipped` (the advisory service did not
// answer), `pass` (no high or critical advisory) or `fail` (lists them). Exit codes: 0 pass or
// skipped, 1 fail, 2 unreadable. Kept apart from audit-deps.sh so the verdict is tested.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const UNREACHABLE = /ERR_PNPM_AUDIT_BAD_RESPONSE|ERR_PNPM_AUDIT_ENDPOINT|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|fetch failed/;

export function auditVerdict(text) {
  if (UNREACHABLE.test(text)) {
    const why = [...new Set(text.match(/responded with \d{3}|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|fetch failed/g) ?? [])];
    return { verdict: 'skipped', lines: [`dependency audit: SKIPPED — the advisory service is unreachable (${why.join(', ') || 'no answer'})`] };
  }
  let report;
  try {
    report = JSON.parse(text);
  } catch {
    return { verdict: 'unreadable', lines: ['dependency audit: FAILED — the audit printed something that is not JSON'] };
  }
  const v = report?.metadata?.vulnerabilities ?? {};
  const counts = `critical=${v.critical ?? 0} high=${v.high ?? 0} moderate=${v.moderate ?? 0} low=${v.low ?? 0}`;
  const serious = Object.values(report?.advisories ?? {}).filter((a) => a.severity === 'high' || a.severity === 'critical');
  if ((v.critical ?? 0) + (v.high ?? 0) > 0 || serious.length > 0) {
    return {
      verdict: 'fail',
      lines: [`dependency audit: FAILED — ${counts}`, ...serious.map((a) => `  ${a.severity}: ${a.module_name} ${a.vulnerable_versions} — ${a.title} (${a.url})`)],
    };
  }
  return { verdict: 'pass', lines: [`dependency audit: passed — ${counts}`] };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { verdict, lines } = auditVerdict(fs.readFileSync(process.argv[2], 'utf8'));
  for (const l of lines) console.log(l);
  process.exit(verdict === 'fail' ? 1 : verdict === 'unreadable' ? 2 : 0);
}
