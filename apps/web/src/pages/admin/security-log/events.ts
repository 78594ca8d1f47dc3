// Words and colours for the security log's severities, and the type of one row. Event types
// and details in words come from @jutsu/shared (security-log-words.ts), shared with the export.
import type { AppRouter } from '@jutsu/api/router';
import type { SECURITY_EVENT_SEVERITIES } from '@jutsu/shared';
import type { inferRouterOutputs } from '@trpc/server';

export type Severity = (typeof SECURITY_EVENT_SEVERITIES)[number];
export type SecurityEvent = inferRouterOutputs<AppRouter>['admin']['securityEvents']['list']['items'][number];

export const SEVERITY_LABEL: Record<Severity, string> = { info: 'Info', warning: 'Warning', critical: 'Critical' };
export const SEVERITY_COLOR: Record<Severity, string> = { info: 'gray', warning: 'orange', critical: 'red' };
