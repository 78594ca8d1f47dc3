// Inputs of passkey.*: what @simplewebauthn/browser's startRegistration() and
// startAuthentication() return, bounded in size and shape before any of it is decoded.
import { z } from 'zod';

const b64url = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');
/** Credential ids are at most 1023 bytes (1364 base64url characters). */
const credentialId = b64url(1364).min(1);
/** Not used by the server; any object, so the browser library's result passes as it is. */
const extensionResults = z
  .custom<object>((v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length <= 32, 'must be an object')
  .optional();
const attachment = z.enum(['platform', 'cross-platform']).optional();

export const KNOWN_TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;

export const registrationResponseSchema = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url(4096).min(1),
    attestationObject: b64url(65_536).min(1),
    authenticatorData: b64url(16_384).optional(),
    transports: z.array(z.string().max(32)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url(8192).optional(),
  }),
  clientExtensionResults: extensionResults,
  authenticatorAttachment: attachment,
});

export const authenticationResponseSchema = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url(4096).min(1),
    authenticatorData: b64url(16_384).min(1),
    signature: b64url(8192).min(1),
    userHandle: b64url(128).optional(),
  }),
  clientExtensionResults: extensionResults,
  authenticatorAttachment: attachment,
});

export const PASSKEY_NAME_MAX = 64;

/** A passkey's label: what the person will recognise it by in the list. */
export const passkeyNameSchema = z
  .string()
  .trim()
  .min(1, 'Give the passkey a name')
  .max(PASSKEY_NAME_MAX, `At most ${PASSKEY_NAME_MAX} characters`)
  .regex(/^[^\p{Cc}]*$/u, 'No control characters');

export const passkeyRegisterInput = z.object({ response: registrationResponseSchema, name: passkeyNameSchema });

/** No username: a discoverable-credential sign-in; with one: that account's passkeys. */
export const passkeyAuthenticationOptionsInput = z
  .object({
    username: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[^\p{Cc}]+$/u, 'Not a username')
      .optional(),
  })
  .optional();

/** passkey.authenticate and passkey.reauthenticate. */
export const passkeyAssertionInput = z.object({ response: authenticationResponseSchema });

export const passkeyRenameInput = z.object({ id: z.uuid(), name: passkeyNameSchema });

export const passkeyIdInput = z.object({ id: z.uuid() });
