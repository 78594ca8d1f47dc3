import { z } from 'zod';

/** What anyone may know (the sign-in page asks whether the first account is still missing). */
export const systemInfoSchema = z.object({
  name: z.literal('Jutsu Labs'),
  bootstrapPending: z.boolean(),
  /** A `jutsu demo` server: simulated broker, no real money (every page says so). */
  demo: z.boolean(),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

/** What a signed-in user may know about the server: version and deployment facts help an attacker pick exploits. */
export const systemStatusSchema = z.object({
  version: z.string(),
  environment: z.enum(['development', 'production', 'test']),
  database: z.enum(['pglite', 'postgres']),
  serverTime: z.date(),
  uptimeSeconds: z.number(),
});
export type SystemStatus = z.infer<typeof systemStatusSchema>;

export const heartbeatSchema = z.object({ seq: z.number().int(), at: z.date() });
export type Heartbeat = z.infer<typeof heartbeatSchema>;
