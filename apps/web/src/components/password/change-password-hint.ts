// Why "Change password" cannot be pressed yet, in the order a person fills the form; null when
// it can. Shown beside the disabled button so it never just sits there greyed out.
export interface ChangePasswordDraft {
  currentPassword: string;
  newPassword: string;
  confirmation: string;
  /** The shared policy's verdict on the new password: undefined while it loads. */
  meetsRules: boolean | undefined;
  /** False while the verdict is still for an earlier value. */
  settled: boolean;
}

export function changePasswordHint(d: ChangePasswordDraft): string | null {
  if (d.currentPassword.length === 0) return 'Enter your current password.';
  if (d.newPassword.length === 0) return 'Choose a new password.';
  if (!d.settled || d.meetsRules === undefined) return 'Checking the new password…';
  if (!d.meetsRules) return 'The new password does not meet the rules listed above yet.';
  if (d.confirmation.length === 0) return 'Type the new password again to confirm it.';
  if (d.confirmation !== d.newPassword) return 'The confirmation does not match the new password.';
  return null;
}
