import { describe, expect, it } from 'vitest';
import { changePasswordHint, type ChangePasswordDraft } from './change-password-hint.ts';

const ready: ChangePasswordDraft = { currentPassword: 'old one', newPassword: 'a long new pass phrase', confirmation: 'a long new pass phrase', meetsRules: true, settled: true };

describe('changePasswordHint', () => {
  it('says what is missing, in the order the form is filled', () => {
    expect(changePasswordHint({ ...ready, currentPassword: '', newPassword: '' })).toBe('Enter your current password.');
    expect(changePasswordHint({ ...ready, newPassword: '' })).toBe('Choose a new password.');
    expect(changePasswordHint({ ...ready, settled: false })).toBe('Checking the new password…');
    expect(changePasswordHint({ ...ready, meetsRules: undefined })).toBe('Checking the new password…');
    expect(changePasswordHint({ ...ready, meetsRules: false })).toMatch(/does not meet the rules/);
    expect(changePasswordHint({ ...ready, confirmation: '' })).toBe('Type the new password again to confirm it.');
    expect(changePasswordHint({ ...ready, confirmation: 'a long new pass phrasE' })).toBe('The confirmation does not match the new password.');
  });

  it('is silent when the form can be sent', () => {
    expect(changePasswordHint(ready)).toBeNull();
  });
});
