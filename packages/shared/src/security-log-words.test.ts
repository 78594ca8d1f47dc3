import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LIVE_EVENT_TYPES } from './events.ts';
import {
  describeSecurityEventDetails,
  SECURITY_EVENT_GROUP_LABEL,
  SECURITY_EVENT_GROUPS,
  SECURITY_EVENT_WORDS,
  securityEventGroup,
  securityEventLabel,
  securityEventTypesOf,
} from './security-log-words.ts';

const API_SRC = fileURLToPath(new URL('../../../apps/api/src/', import.meta.url));
const TYPE = String.raw`'([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)'`;
/** Every way the API names a security event: the audit meta, an event's type, the small helpers that take a type first, constants. */
const PATTERNS = [
  new RegExp(String.raw`\baudit:\s*${TYPE}`, 'g'),
  new RegExp(String.raw`\btype:\s*${TYPE}`, 'g'),
  new RegExp(String.raw`\b(?:record|event)\(\s*${TYPE}`, 'g'),
  new RegExp(String.raw`_EVENT\s*=\s*${TYPE}`, 'g'),
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' || entry.name === 'fake' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Event types written to the security log anywhere in the API (live-bus messages left out). */
function eventTypesInApiSource(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(API_SRC)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      // A live-bus message (publish({ type: … }), a topic union) is not a security event.
      if (/publish|topic:/.test(line)) return;
      for (const pattern of PATTERNS) {
        for (const match of line.matchAll(pattern)) found.set(match[1]!, `${file.slice(API_SRC.length)}:${i + 1}`);
      }
    });
  }
  return found;
}

describe('security log words', () => {
  it('has a label for every event type the API writes', () => {
    const found = eventTypesInApiSource();
    // The scan must see the well-known ones, or it proves nothing.
    for (const type of ['auth.login', 'two_factor.backup_code_used', 'two_factor.code_replayed', 'token.refused', 'security_log.pruned', 'schwab.expiring', 'user.unlocked']) {
      expect(found.has(type), type).toBe(true);
    }
    const missing = [...found].filter(([type]) => !Object.hasOwn(SECURITY_EVENT_WORDS, type)).map(([type, where]) => `${type} (${where})`);
    expect(missing).toEqual([]);
    // Live-bus types only (session.revoked, trades.changed …) stay out of the log's words.
    for (const type of found.keys()) expect(LIVE_EVENT_TYPES.includes(type as never) && !Object.hasOwn(SECURITY_EVENT_WORDS, type)).toBe(false);
  });

  it('gives every entry a group with a label, and never repeats a label within a group', () => {
    const seen = new Set<string>();
    for (const [type, entry] of Object.entries(SECURITY_EVENT_WORDS)) {
      expect(SECURITY_EVENT_GROUPS).toContain(entry.group);
      expect(SECURITY_EVENT_GROUP_LABEL[entry.group]).toBeTruthy();
      const key = `${entry.group}:${entry.label}`;
      expect(seen.has(key), `${type} repeats ${key}`).toBe(false);
      seen.add(key);
    }
  });

  it('names refusals as refusals', () => {
    expect(securityEventLabel('auth.login', { outcome: 'success' })).toBe('Signed in');
    expect(securityEventLabel('auth.login', { outcome: 'failure' })).toBe('Sign-in refused');
    expect(securityEventLabel('two_factor.backup_code_used', {})).toBe('Backup code used');
    expect(securityEventLabel('two_factor.code_replayed', {})).toBe('Code reused');
  });

  it('groups an unknown type by its prefix and still reads it as words', () => {
    expect(securityEventGroup('engine.halted')).toBe('engine');
    expect(securityEventGroup('passkey.something_new')).toBe('passkeys');
    expect(securityEventGroup('mystery.thing')).toBe('other');
    expect(securityEventGroup('toString')).toBe('other');
    expect(securityEventLabel('engine.kill_switch_pulled')).toBe('Kill switch pulled');
    expect(securityEventTypesOf('second_factor')).toContain('two_factor.backup_code_used');
    expect(securityEventTypesOf('engine')).toContain('engine.state_changed');
    expect(securityEventTypesOf('engine')).not.toContain('engine.halted');
  });
});

describe('describeSecurityEventDetails', () => {
  it('turns a refused code into a sentence, never raw keys', () => {
    const text = describeSecurityEventDetails({ method: 'totp', why: 'invalid', attemptsLeft: 4, outcome: 'failure', code: 'UNAUTHORIZED', reason: 'CODE_INVALID' });
    expect(text).toBe('Wrong code, with an authenticator code, 4 tries left.');
    expect(text).not.toMatch(/attemptsLeft|why:|·/);
  });

  it('leaves out the TOTP step, ids and the transport', () => {
    expect(describeSecurityEventDetails({ step: 59872515 })).toBe('');
    expect(describeSecurityEventDetails({ sessionId: 's', targetUserId: 'u', procedure: 'auth.me', transport: 'http', why: 'session_revoked' })).toBe('The session had ended, on auth.me.');
  });

  it('reads admin changes', () => {
    expect(describeSecurityEventDetails({ targetUserId: 'x', targetUsername: 'bob', from: 'viewer', to: 'admin', changed: true, invitationsRevoked: 0 })).toBe(
      'Account “bob”, from viewer to admin.',
    );
    expect(describeSecurityEventDetails({ targetUsername: 'bob', sessionsRevoked: 1 })).toBe('Account “bob”, 1 session ended.');
  });

  it('puts keys it has no words for under "Other details", in words', () => {
    expect(describeSecurityEventDetails({ remaining: 2, newThingCount: 3, flagSet: true })).toBe('2 backup codes left. Other details: new thing count 3, flag set yes.');
    expect(describeSecurityEventDetails({ someNote: 'a\nb' })).toBe('Other details: some note “a b”.');
  });

  it('keeps quoted text on one bounded line', () => {
    const text = describeSecurityEventDetails({ name: `x${'y'.repeat(200)}\r\nz` });
    expect(text).not.toMatch(/[\r\n]/);
    expect(text.length).toBeLessThan(100);
  });
});
