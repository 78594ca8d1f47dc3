// Passkey suggestions in the username field: the browser offers passkeys in an input's autofill
// only when its autocomplete attribute ends with the "webauthn" token. The username field
// belongs to the password form (CredentialsForm), so the token is added here, next to the only
// code that needs it; when the form declares it itself, this does nothing.

const TOKEN = 'webauthn';

/** Adds "webauthn" to the username field's autocomplete inside `scope`; true when the field has it. */
export function offerPasskeysInUsernameField(scope: ParentNode | null): boolean {
  const input = scope?.querySelector<HTMLInputElement>('input[name="username"]');
  if (!input) return false;
  const tokens = (input.getAttribute('autocomplete') ?? '').split(/\s+/).filter(Boolean);
  if (tokens.at(-1) === TOKEN) return true;
  input.setAttribute('autocomplete', [...tokens.filter((t) => t !== TOKEN), TOKEN].join(' '));
  return true;
}
