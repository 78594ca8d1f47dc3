// Secrets at rest (TOTP secrets now, Schwab tokens and PKCE verifiers later): AES-256-GCM
// through a keyring. ENCRYPTION_KEYS = "id:base64key,id2:base64key2": the first key
// encrypts, every listed key decrypts, so keys rotate without locking anyone out
// (`jutsu keys rotate`). A stored value names its key and is bound to its table, column and
// row as associated data: copied to another row or column it no longer decrypts.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { PrismaClient } from '@jutsu/db';
import { ConfigError, StartupError } from '../config.ts';
import type { Logger } from '../logger.ts';

/**
 * Every column that holds keyring ciphertext. `jutsu keys rotate` and the start-up check
 * walk this list; a new encrypted column is one entry here (and `encrypt`/`decrypt` only
 * accept columns listed, so none can be forgotten).
 */
export const ENCRYPTED_COLUMNS = [
  { table: 'users', column: 'totp_secret', id: 'id' },
  { table: 'users', column: 'totp_pending_secret', id: 'id' },
  { table: 'schwab_tokens', column: 'access_token', id: 'id' },
  { table: 'schwab_tokens', column: 'refresh_token', id: 'id' },
  { table: 'oauth_states', column: 'code_verifier', id: 'id' },
] as const satisfies readonly { table: string; column: string; id: string }[];

export type EncryptedColumn = (typeof ENCRYPTED_COLUMNS)[number];
/** "table.column", e.g. "users.totp_secret". */
export type EncryptedColumnName = `${EncryptedColumn['table']}.${EncryptedColumn['column']}`;

/** Where a value lives: part of the associated data, so it decrypts only there. */
export interface CipherContext {
  column: EncryptedColumnName;
  rowId: string;
}

const PREFIX = 'enc:v1:';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type KeyringErrorKind = 'no_keys' | 'not_encrypted' | 'unknown_key' | 'cannot_decrypt';

/** Never carries key material or plaintext: only the kind, the key id and the column. */
export class KeyringError extends Error {
  constructor(
    readonly kind: KeyringErrorKind,
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
    this.name = 'KeyringError';
  }
}

function decodeKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return undefined;
  const buf = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return buf.length === KEY_BYTES ? buf : undefined;
}

function aad(keyId: string, ctx: CipherContext): Buffer {
  return Buffer.from(JSON.stringify(['jutsu-keyring-v1', keyId, ctx.column, ctx.rowId]), 'utf8');
}

/** The key id a stored value names, or undefined when it is not keyring ciphertext. */
export function keyIdOf(stored: string): string | undefined {
  if (!stored.startsWith(PREFIX)) return undefined;
  const rest = stored.slice(PREFIX.length);
  const i = rest.indexOf(':');
  return i > 0 ? rest.slice(0, i) : undefined;
}

export class Keyring {
  private constructor(private readonly keys: ReadonlyMap<string, Buffer>) {}

  /**
   * Parses ENCRYPTION_KEYS. Problems name the variable and the entry's position or id,
   * never the key material.
   */
  static parse(spec: string | undefined): Keyring {
    const keys = new Map<string, Buffer>();
    const problems: string[] = [];
    const entries = (spec ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    entries.forEach((entry, i) => {
      const colon = entry.indexOf(':');
      const id = colon > 0 ? entry.slice(0, colon) : '';
      const where = `ENCRYPTION_KEYS entry ${i + 1}`;
      if (!KEY_ID.test(id)) {
        problems.push(`${where}: expected id:base64key with an id of letters, digits, _ or - (at most 32)`);
        return;
      }
      const key = decodeKey(entry.slice(colon + 1));
      if (!key) problems.push(`${where} (id "${id}"): the key must be 32 random bytes in base64 (jutsu keys generate makes one)`);
      else if (keys.has(id)) problems.push(`${where}: key id "${id}" is listed twice`);
      else keys.set(id, key);
    });
    if (problems.length) throw new ConfigError(problems);
    return new Keyring(keys);
  }

  /** A new key entry for ENCRYPTION_KEYS. */
  static generateEntry(id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}${randomBytes(2).toString('hex')}`): string {
    if (!KEY_ID.test(id)) throw new Error('a key id is 1-32 letters, digits, _ or -');
    return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
  }

  /** The id of the key new values are encrypted with (the first listed). */
  get primaryKeyId(): string | undefined {
    return this.keys.keys().next().value;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  get configured(): boolean {
    return this.keys.size > 0;
  }

  /**
   * A fingerprint of key `id` that reveals nothing about it (an HMAC under the key of a fixed
   * label): a backup records it, so a restore can tell before touching anything whether the
   * keys it is given are the ones the data was encrypted with.
   */
  keyCheck(id: string): string | undefined {
    const key = this.keys.get(id);
    return key && createHmac('sha256', key).update('jutsu-keyring-check-v1').digest('hex').slice(0, 32);
  }

  encrypt(plaintext: string, ctx: CipherContext): string {
    const keyId = this.primaryKeyId;
    if (keyId === undefined) throw new KeyringError('no_keys', 'ENCRYPTION_KEYS is not set: nothing can be encrypted');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(keyId, ctx));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${keyId}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  decrypt(stored: string, ctx: CipherContext): string {
    const keyId = keyIdOf(stored);
    if (keyId === undefined) throw new KeyringError('not_encrypted', `${ctx.column} holds a value that is not keyring ciphertext`);
    const key = this.keys.get(keyId);
    if (!key) {
      const why = this.configured ? `key id "${keyId}" is not in ENCRYPTION_KEYS` : 'ENCRYPTION_KEYS is not set';
      throw new KeyringError(this.configured ? 'unknown_key' : 'no_keys', `${ctx.column} was encrypted with key id "${keyId}", and ${why}`, keyId);
    }
    const raw = Buffer.from(stored.slice(PREFIX.length + keyId.length + 1), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new KeyringError('cannot_decrypt', `${ctx.column}: the stored value is truncated`, keyId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(keyId, ctx));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyringError(
        'cannot_decrypt',
        `${ctx.column}: the value does not decrypt with key id "${keyId}" (a different key under that id, or a value moved from another row)`,
        keyId,
      );
    }
  }

  /** True when the value is already encrypted with the first key. */
  isCurrent(stored: string): boolean {
    return keyIdOf(stored) === this.primaryKeyId;
  }
}

// ───────────────────────── walking the encrypted columns ─────────────────────────

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

async function readColumn(prisma: PrismaClient, c: EncryptedColumn): Promise<{ id: string; value: string }[]> {
  return prisma.$queryRawUnsafe<{ id: string; value: string }[]>(
    `SELECT ${quote(c.id)}::text AS id, ${quote(c.column)} AS value FROM ${quote(c.table)} WHERE ${quote(c.column)} IS NOT NULL`,
  );
}

export interface ColumnProblem {
  column: EncryptedColumnName;
  rowId: string;
  kind: KeyringErrorKind;
  keyId: string | undefined;
}

export interface ColumnRotation {
  column: EncryptedColumnName;
  total: number;
  rotated: number;
  alreadyCurrent: number;
  /** Rows changed by someone else while rotating: left as they are (run again). */
  changedMeanwhile: number;
}

export interface RotationReport {
  primaryKeyId: string;
  columns: ColumnRotation[];
  problems: ColumnProblem[];
}

/** Tries every stored value with the configured keys; returns the ones that fail. */
export async function findUndecryptable(prisma: PrismaClient, keyring: Keyring): Promise<{ total: number; problems: ColumnProblem[] }> {
  const problems: ColumnProblem[] = [];
  let total = 0;
  for (const c of ENCRYPTED_COLUMNS) {
    const column: EncryptedColumnName = `${c.table}.${c.column}`;
    for (const row of await readColumn(prisma, c)) {
      total++;
      try {
        keyring.decrypt(row.value, { column, rowId: row.id });
      } catch (err) {
        const e = err as KeyringError;
        problems.push({ column, rowId: row.id, kind: e.kind, keyId: e.keyId ?? keyIdOf(row.value) });
      }
    }
  }
  return { total, problems };
}

/**
 * Re-encrypts every stored value with the first key. Each row is rewritten only if it
 * still holds the value read (a concurrent change wins). Values that do not decrypt are
 * reported and left untouched.
 */
export async function rotateEncryptedColumns(prisma: PrismaClient, keyring: Keyring): Promise<RotationReport> {
  const primaryKeyId = keyring.primaryKeyId;
  if (primaryKeyId === undefined) throw new KeyringError('no_keys', 'ENCRYPTION_KEYS is not set: there is no key to rotate to');
  const report: RotationReport = { primaryKeyId, columns: [], problems: [] };
  for (const c of ENCRYPTED_COLUMNS) {
    const column: EncryptedColumnName = `${c.table}.${c.column}`;
    const stats: ColumnRotation = { column, total: 0, rotated: 0, alreadyCurrent: 0, changedMeanwhile: 0 };
    for (const row of await readColumn(prisma, c)) {
      stats.total++;
      if (keyring.isCurrent(row.value)) {
        stats.alreadyCurrent++;
        continue;
      }
      let plaintext: string;
      try {
        plaintext = keyring.decrypt(row.value, { column, rowId: row.id });
      } catch (err) {
        const e = err as KeyringError;
        report.problems.push({ column, rowId: row.id, kind: e.kind, keyId: e.keyId ?? keyIdOf(row.value) });
        continue;
      }
      const next = keyring.encrypt(plaintext, { column, rowId: row.id });
      const n = await prisma.$executeRawUnsafe(
        `UPDATE ${quote(c.table)} SET ${quote(c.column)} = $1 WHERE ${quote(c.id)}::text = $2 AND ${quote(c.column)} = $3`,
        next,
        row.id,
        row.value,
      );
      if (n === 1) stats.rotated++;
      else stats.changedMeanwhile++;
    }
    report.columns.push(stats);
  }
  return report;
}

/** One readable sentence per kind of problem, naming columns and key ids only. */
export function describeProblems(problems: ColumnProblem[]): string[] {
  const groups = new Map<string, number>();
  for (const p of problems) {
    const why =
      p.kind === 'no_keys'
        ? `encrypted with key id "${p.keyId}", and ENCRYPTION_KEYS is not set`
        : p.kind === 'unknown_key'
          ? `encrypted with key id "${p.keyId}", which is not in ENCRYPTION_KEYS`
          : p.kind === 'not_encrypted'
            ? 'not encrypted (plain text from an earlier system? import it with jutsu import-legacy-2fa)'
            : `does not decrypt with the key listed as "${p.keyId}" (that id now names a different key)`;
    const k = `${p.column}: ${why}`;
    groups.set(k, (groups.get(k) ?? 0) + 1);
  }
  return [...groups].map(([k, n]) => `${k} (${n} value${n === 1 ? '' : 's'})`);
}

/**
 * Start-up check: a server that cannot read the stored secrets must not start (people with
 * two-factor sign-in would be locked out, and new values would be written with a key the
 * old ones do not share). Thrown errors name ENCRYPTION_KEYS and key ids, never keys.
 */
export async function checkEncryptionKeys(services: { prisma: PrismaClient; keyring: Keyring; logger: Logger }): Promise<void> {
  const { total, problems } = await findUndecryptable(services.prisma, services.keyring);
  if (!services.keyring.configured) {
    if (total > 0) {
      throw new StartupError(
        `ENCRYPTION_KEYS is not set, but the database holds ${total} encrypted secret(s) (two-factor sign-in). ` +
          'Set ENCRYPTION_KEYS (or ENCRYPTION_KEYS_FILE) to the key list they were encrypted with.',
      );
    }
    services.logger.warn('ENCRYPTION_KEYS is not set: two-factor sign-in cannot be set up until it is');
    return;
  }
  if (problems.length) {
    throw new StartupError(
      `ENCRYPTION_KEYS cannot decrypt ${problems.length} of ${total} stored secret(s):\n  - ${describeProblems(problems).join('\n  - ')}\n` +
        'Add the missing key(s) to ENCRYPTION_KEYS after the first one (the first key encrypts, every listed key decrypts), ' +
        'then run `jutsu keys rotate`; only after that can old keys be removed.',
    );
  }
}
