// The backup file: a header line, a manifest line (JSON), then the database dump (pg_dump's
// custom format, or the embedded database's own gzipped archive). The manifest names the
// encryption keys the data needs by id and fingerprint only: the keys themselves are never
// in a backup, and a restore with the wrong ones is refused before anything is touched.
import { createHash } from 'node:crypto';
import { z } from 'zod';

const MAGIC = 'JUTSU-BACKUP 1\n';

export const manifestSchema = z.object({
  format: z.literal(1),
  kind: z.enum(['pglite', 'postgres']),
  createdAt: z.iso.datetime(),
  appVersion: z.string().max(64),
  lastMigration: z.string().max(256).nullable(),
  /** Key ids the stored ciphertexts name, each with its fingerprint (Keyring.keyCheck). */
  keys: z.record(z.string().max(32), z.string().regex(/^[0-9a-f]{32}$/)),
  payloadBytes: z.number().int().nonnegative(),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

export type BackupErrorKind = 'damaged' | 'kind_mismatch' | 'wrong_keys' | 'not_confirmed' | 'tool_failed';

/** Says what is wrong without key material or connection secrets. */
export class BackupError extends Error {
  constructor(
    readonly kind: BackupErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export function packBackup(manifest: Omit<BackupManifest, 'payloadBytes' | 'payloadSha256'>, payload: Buffer): Buffer {
  const full: BackupManifest = { ...manifest, payloadBytes: payload.length, payloadSha256: createHash('sha256').update(payload).digest('hex') };
  return Buffer.concat([Buffer.from(MAGIC, 'utf8'), Buffer.from(`${JSON.stringify(full)}\n`, 'utf8'), payload]);
}

export function unpackBackup(file: Buffer): { manifest: BackupManifest; payload: Buffer } {
  const damaged = (why: string) => new BackupError('damaged', `not a usable Jutsu Labs backup: ${why}`);
  if (file.subarray(0, MAGIC.length).toString('utf8') !== MAGIC) throw damaged('unknown header');
  const end = file.indexOf(0x0a, MAGIC.length);
  if (end < 0 || end - MAGIC.length > 64 * 1024) throw damaged('no manifest');
  let manifest: BackupManifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(file.subarray(MAGIC.length, end).toString('utf8')));
  } catch {
    throw damaged('unreadable manifest');
  }
  const payload = file.subarray(end + 1);
  if (payload.length !== manifest.payloadBytes) throw damaged(`truncated (${payload.length} of ${manifest.payloadBytes} bytes)`);
  if (createHash('sha256').update(payload).digest('hex') !== manifest.payloadSha256) throw damaged('checksum mismatch');
  return { manifest, payload };
}

/** Refuses keys that cannot decrypt the backup's data: every id it needs, with the same fingerprint. */
export function checkKeys(manifest: BackupManifest, keyCheck: (id: string) => string | undefined): void {
  const missing: string[] = [];
  const different: string[] = [];
  for (const [id, check] of Object.entries(manifest.keys)) {
    const mine = keyCheck(id);
    if (mine === undefined) missing.push(id);
    else if (mine !== check) different.push(id);
  }
  if (missing.length || different.length) {
    const parts = [
      missing.length ? `ENCRYPTION_KEYS has no key with id ${missing.map((i) => `"${i}"`).join(', ')}` : '',
      different.length ? `the key${different.length > 1 ? 's' : ''} with id ${different.map((i) => `"${i}"`).join(', ')} ${different.length > 1 ? 'are' : 'is'} not the one the backup was made with` : '',
    ].filter(Boolean);
    throw new BackupError('wrong_keys', `wrong encryption keys for this backup: ${parts.join('; ')}. Nothing was changed. Set ENCRYPTION_KEYS to the keys in use when the backup was made.`);
  }
}
