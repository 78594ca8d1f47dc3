// From the validated inputs of passkey.* (schemas in @jutsu/shared) to what
// @simplewebauthn/server verifies; only transports browsers define are kept.
import type { AuthenticationExtensionsClientOutputs, AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { z } from 'zod';
import { KNOWN_TRANSPORTS, type authenticationResponseSchema, type registrationResponseSchema } from '@jutsu/shared';

/** Only transports browsers define are kept (they are hints echoed back to the browser). */
export function knownTransports(list: string[] | undefined): string[] {
  return [...new Set((list ?? []).filter((t) => (KNOWN_TRANSPORTS as readonly string[]).includes(t)))];
}

/** The server reads no extension output; the schema only bounds it to a small object. */
const extensions = (r: object | undefined): AuthenticationExtensionsClientOutputs => (r ?? {}) as AuthenticationExtensionsClientOutputs;

export function toRegistrationResponse(r: z.infer<typeof registrationResponseSchema>): RegistrationResponseJSON {
  return {
    ...r,
    response: { ...r.response, transports: knownTransports(r.response.transports) },
    clientExtensionResults: extensions(r.clientExtensionResults),
  };
}

export function toAuthenticationResponse(r: z.infer<typeof authenticationResponseSchema>): AuthenticationResponseJSON {
  return { ...r, clientExtensionResults: extensions(r.clientExtensionResults) };
}
