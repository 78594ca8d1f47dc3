// Inputs of invitation.* and admin.*: the forms the SPA builds and the server validates.
import { z } from 'zod';
import { emailSchema, newPasswordSchema, usernameSchema } from './identity.ts';
import { roleSchema } from './role-schema.ts';
import { SECURITY_EVENT_GROUPS } from './security-log-words.ts';

export const INVITATION_DEFAULT_HOURS = 48;
export const INVITATION_MAX_HOURS = 7 * 24;

export const INVITATION_STATUSES = ['pending', 'accepted', 'expired', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const invitationCreateInput = z.object({
  role: roleSchema,
  /** When set, only this address can accept the invitation. */
  email: emailSchema.optional(),
  expiresInHours: z.number().int().min(1).max(INVITATION_MAX_HOURS).default(INVITATION_DEFAULT_HOURS),
});

/**
 * Any bounded string: whatever is wrong with a token (malformed, unknown, used, expired,
 * revoked) gets the same single answer, never a validation error that tells them apart.
 */
export const invitationTokenSchema = z.string().max(512);

export const invitationInspectInput = z.object({ token: invitationTokenSchema });

export const invitationAcceptInput = z.object({
  token: invitationTokenSchema,
  username: usernameSchema,
  password: newPasswordSchema,
  /** Optional; must equal the invitation's address when it is bound to one (omitted = that address). */
  email: emailSchema.optional(),
});

export const userIdInput = z.object({ id: z.uuid() });
export const invitationIdInput = z.object({ id: z.uuid() });
export const setRoleInput = z.object({ id: z.uuid(), role: roleSchema });

export const SECURITY_EVENT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export const SECURITY_EVENTS_PAGE_MAX = 100;
/** The log's filters, shared by the list and the CSV export. */
export const securityEventFilterFields = {
  severity: z.enum(SECURITY_EVENT_SEVERITIES).optional(),
  /** An event type such as `auth.login` (exact match). */
  type: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/)
    .optional(),
  /** A group of types (security-log-words.ts); `other` also matches types without words. */
  group: z.enum(SECURITY_EVENT_GROUPS).optional(),
  userId: z.uuid().optional(),
  /** Events at or after this instant. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Events before this instant. */
  to: z.iso.datetime({ offset: true }).optional(),
};

function checkInstants(v: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (v.from !== undefined && v.to !== undefined && Date.parse(v.from) >= Date.parse(v.to)) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must be before to' });
  }
}

export const securityEventsListInput = z
  .object({
    /** The `nextCursor` of the previous page (an event id); absent for the newest page. */
    cursor: z
      .string()
      .regex(/^[1-9]\d{0,18}$/)
      .refine((s) => BigInt(s) <= 9_223_372_036_854_775_807n, 'cursor out of range')
      .nullish(),
    limit: z.number().int().min(1).max(SECURITY_EVENTS_PAGE_MAX).default(50),
    ...securityEventFilterFields,
  })
  .superRefine(checkInstants);
export type SecurityEventsListInput = z.input<typeof securityEventsListInput>;

/** The most rows one export carries (the newest are kept). */
export const SECURITY_EVENTS_EXPORT_MAX = 10_000;
export const securityEventsExportInput = z.object(securityEventFilterFields).superRefine(checkInstants);
export type SecurityEventsExportInput = z.input<typeof securityEventsExportInput>;

export const securityEventsExportOutput = z.object({
  filename: z.string(),
  contentType: z.literal('text/csv'),
  rowCount: z.number().int(),
  /** True when more than SECURITY_EVENTS_EXPORT_MAX events matched (the newest were kept). */
  truncated: z.boolean(),
  csv: z.string(),
});
