// The keyring with real AES-256-GCM: what decrypts where, and what never shows up in errors.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { ENCRYPTED_COLUMNS, Keyring, KeyringError, keyIdOf } from './keyring.ts';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const SECRET = 'YSALE3CQKWFBPTPX5SJJTRXXHSF3FP2Z';
const alice = { column: 'users.totp_secret', rowId: '0190a6b4-0000-7000-8000-000000000001' } as const;
const bob = { column: 'users.totp_secret', rowId: '0190a6b4-0000-7000-8000-000000000002' } as const;

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof KeyringError ? err.kind : 'other';
  }
  return undefined;
}

describe('keyring', () => {
  it('round-trips and stores only ciphertext that names its key', () => {
    const ring = Keyring.parse(`a:${keyA}`);
    const stored = ring.encrypt(SECRET, alice);
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toMatch(/^[A-Z2-7]+=*$/); // not base32
    expect(stored.startsWith('enc:v1:a:')).toBe(true);
    expect(keyIdOf(stored)).toBe('a');
    expect(ring.decrypt(stored, alice)).toBe(SECRET);
    // A fresh IV every time: equal secrets do not give equal ciphertexts.
    expect(ring.encrypt(SECRET, alice)).not.toBe(stored);
  });

  it('needs the key: another keyring, or none, cannot decrypt', () => {
    const stored = Keyring.parse(`a:${keyA}`).encrypt(SECRET, alice);
    expect(kindOf(() => Keyring.parse(`b:${keyB}`).decrypt(stored, alice))).toBe('unknown_key');
    expect(kindOf(() => Keyring.parse(undefined).decrypt(stored, alice))).toBe('no_keys');
    // The same id naming a different key is caught by the tag, not silently wrong.
    expect(kindOf(() => Keyring.parse(`a:${keyB}`).decrypt(stored, alice))).toBe('cannot_decrypt');
    expect(kindOf(() => Keyring.parse(undefined).encrypt(SECRET, alice))).toBe('no_keys');
  });

  it('binds a value to its row and column: copied elsewhere it does not decrypt', () => {
    const ring = Keyring.parse(`a:${keyA}`);
    const stored = ring.encrypt(SECRET, alice);
    expect(kindOf(() => ring.decrypt(stored, bob))).toBe('cannot_decrypt');
    expect(kindOf(() => ring.decrypt(stored, { ...alice, column: 'users.totp_pending_secret' }))).toBe('cannot_decrypt');
  });

  it('detects tampering and refuses plain text', () => {
    const ring = Keyring.parse(`a:${keyA}`);
    const stored = ring.encrypt(SECRET, alice);
    const body = Buffer.from(stored.slice('enc:v1:a:'.length), 'base64url');
    body[20] = body[20]! ^ 1;
    expect(kindOf(() => ring.decrypt(`enc:v1:a:${body.toString('base64url')}`, alice))).toBe('cannot_decrypt');
    expect(kindOf(() => ring.decrypt('enc:v1:a:AAAA', alice))).toBe('cannot_decrypt');
    expect(kindOf(() => ring.decrypt(SECRET, alice))).toBe('not_encrypted');
  });

  it('encrypts with the first key and decrypts with any listed key (rotation)', () => {
    const old = Keyring.parse(`a:${keyA}`).encrypt(SECRET, alice);
    const both = Keyring.parse(`b:${keyB}, a:${keyA}`);
    expect(both.primaryKeyId).toBe('b');
    expect(both.keyIds).toEqual(['b', 'a']);
    expect(both.decrypt(old, alice)).toBe(SECRET);
    expect(both.isCurrent(old)).toBe(false);
    const fresh = both.encrypt(both.decrypt(old, alice), alice);
    expect(both.isCurrent(fresh)).toBe(true);
    expect(Keyring.parse(`b:${keyB}`).decrypt(fresh, alice)).toBe(SECRET);
  });

  it('rejects a bad ENCRYPTION_KEYS naming the entry, never echoing key material', () => {
    const short = randomBytes(16).toString('base64');
    const cases = [`a:${short}`, `a:${keyA},a:${keyB}`, `no-colon-${keyA}`, `bad id!:${keyA}`, `a:${keyA}%`];
    for (const spec of cases) {
      let err: unknown;
      try {
        Keyring.parse(spec);
      } catch (e) {
        err = e;
      }
      expect(err, spec).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toContain('ENCRYPTION_KEYS');
      for (const material of [short, keyA, keyB]) expect(message).not.toContain(material);
    }
    expect(Keyring.parse('').configured).toBe(false);
    expect(Keyring.parse(undefined).configured).toBe(false);
  });

  it('accepts url-safe base64 keys and generates usable entries', () => {
    const url = randomBytes(32).toString('base64url');
    expect(Keyring.parse(`u:${url}`).configured).toBe(true);
    const entry = Keyring.generateEntry('fresh');
    expect(entry).toMatch(/^fresh:[A-Za-z0-9+/]{43}=$/);
    const ring = Keyring.parse(entry);
    expect(ring.decrypt(ring.encrypt('x', alice), alice)).toBe('x');
    expect(Keyring.generateEntry()).not.toBe(Keyring.generateEntry());
  });

  it('lists the encrypted columns rotation walks', () => {
    expect(ENCRYPTED_COLUMNS.map((c) => `${c.table}.${c.column}`)).toEqual([
      'users.totp_secret',
      'users.totp_pending_secret',
      'schwab_tokens.access_token',
      'schwab_tokens.refresh_token',
      'oauth_states.code_verifier',
    ]);
  });
});
