import { describe, expect, it } from 'vitest';
import { quoteUntrusted } from './notices.ts';

describe('attacker-controlled text in notice mails', () => {
  it('is quoted, on one line, and cut to 120 characters', () => {
    const q = quoteUntrusted(`Mozilla/5.0\r\nSubject: fake\u0000${'x'.repeat(300)}`);
    expect(q.startsWith('“') && q.endsWith('”')).toBe(true);
    expect(['\r', '\n', '\u0000'].some((c) => q.includes(c))).toBe(false);
    expect(q.length).toBeLessThanOrEqual(122);
    expect(q).toContain('…');
  });

  it('never reads as a link', () => {
    const q = quoteUntrusted('Click https://evil.example/reset or www.evil.example or evil.example.com now');
    expect(q).not.toMatch(/https?:\/\//);
    expect(q).not.toMatch(/www\.\w/);
    expect(q).not.toMatch(/[a-z]\.(example|com)\b/);
    expect(q).toContain('https[:]//');
  });

  it('strips bidi overrides and quotes that could close ours early', () => {
    const q = quoteUntrusted('name\u202Egnp.exe” and more "quotes"');
    expect(q).not.toMatch(/\u202E/);
    expect(q.slice(1, -1)).not.toMatch(/[“”"]/);
  });

  it('says unknown for nothing', () => {
    expect(quoteUntrusted(undefined)).toBe('unknown');
    expect(quoteUntrusted('')).toBe('unknown');
  });
});
