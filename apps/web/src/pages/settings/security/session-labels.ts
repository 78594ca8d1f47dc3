// How a session was opened, from its amr (authentication methods: pwd, otp, backup, passkey),
// in the words a person uses.
export function signInMethodLabel(amr: readonly string[]): string {
  const has = (m: string) => amr.includes(m);
  if (has('passkey')) return 'Passkey';
  if (has('pwd') && has('otp')) return 'Password + code';
  if (has('pwd') && has('backup')) return 'Password + backup code';
  if (has('pwd')) return 'Password';
  return 'Unknown';
}
