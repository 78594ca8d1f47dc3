// Looks for known secrets in files: each secret in plain form (also %-encoded), in base64
// (standard and URL-safe, at every byte alignment, so it is found inside a longer encoded
// blob such as a JWT or a Basic header) and in hex. Findings name the kind of secret, the
// form and the file; never the secret.
import fs from 'node:fs';
import path from 'node:path';
import type { LedgerEntry, SecretKind } from './ledger.ts';

export type Encoding = 'plain' | 'url-encoded' | 'base64' | 'base64url' | 'hex';

export interface Needle {
  encoding: Encoding;
  /** The bytes to look for, as a latin1 string (files are read as latin1: binary-safe). */
  text: string;
}

export interface Finding {
  kind: SecretKind;
  encoding: Encoding;
  file: string;
}

/** Shorter forms could match by chance; every secret the run makes is longer than this. */
const MIN_NEEDLE = 8;

/**
 * The part of base64(prefix + secret + suffix) that depends only on the secret, for each of the
 * three offsets the secret can start at inside a longer encoded value.
 */
function base64Cores(bytes: Buffer, alphabet: 'base64' | 'base64url'): string[] {
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const encoded = padded.toString(alphabet);
    const start = Math.ceil((shift * 8) / 6); // characters touched by the prefix
    const end = Math.floor(padded.length / 3) * 4; // characters of whole 3-byte groups
    if (end - start >= MIN_NEEDLE) cores.push(encoded.slice(start, end));
  }
  return cores;
}

export function needlesFor(secret: string): Needle[] {
  const bytes = Buffer.from(secret, 'utf8');
  const plain = new Set([secret]);
  // Backup codes are accepted typed loosely: lower case, without the dash.
  if (/^[A-Z0-9]{5}-[A-Z0-9]{5}$/.test(secret)) for (const v of [secret.toLowerCase(), secret.replace('-', ''), secret.replace('-', '').toLowerCase()]) plain.add(v);
  const out: Needle[] = [];
  const add = (encoding: Encoding, text: string) => {
    if (text.length >= MIN_NEEDLE && !out.some((n) => n.text === text && (n.encoding === encoding || encoding === 'url-encoded'))) out.push({ encoding, text });
  };
  for (const p of plain) add('plain', Buffer.from(p, 'utf8').toString('latin1'));
  add('url-encoded', encodeURIComponent(secret));
  add('url-encoded', encodeURIComponent(secret).replace(/%20/g, '+'));
  for (const core of base64Cores(bytes, 'base64')) add('base64', core);
  for (const core of base64Cores(bytes, 'base64url')) add('base64url', core);
  add('hex', bytes.toString('hex'));
  add('hex', bytes.toString('hex').toUpperCase());
  return out;
}

/** The forms of each secret found in `text` (one finding per kind and form). */
export function scanText(text: string, secrets: readonly LedgerEntry[], file: string): Finding[] {
  const found = new Map<string, Finding>();
  for (const { kind, value } of secrets) {
    for (const needle of needlesFor(value)) {
      const key = `${kind}\0${needle.encoding}`;
      if (!found.has(key) && text.includes(needle.text)) found.set(key, { kind, encoding: needle.encoding, file });
    }
  }
  return [...found.values()];
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Every file under `dir` (logs, dumps), findings named relative to `dir`. */
export function scanDirectory(dir: string, secrets: readonly LedgerEntry[]): { files: number; bytes: number; findings: Finding[] } {
  const findings: Finding[] = [];
  let bytes = 0;
  const files = fs.existsSync(dir) ? filesUnder(dir) : [];
  for (const file of files) {
    const text = fs.readFileSync(file).toString('latin1');
    bytes += text.length;
    findings.push(...scanText(text, secrets, path.relative(dir, file)));
  }
  return { files: files.length, bytes, findings };
}

/** One line per finding, for the failure message. */
export function describeFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `  ${f.kind} (${f.encoding}) in ${f.file}`).join('\n');
}
