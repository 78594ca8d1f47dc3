import { z } from 'zod';

export const systemInfoSchema = z.object({
  name: z.literal('Jutsu Labs'),
  version: z.string(),
  environment: z.enum(['development', 'production', 'test']),
  database: z.enum(['pglite', 'postgres']),
  serverTime: z.date(),
  uptimeSeconds: z.number(),
  bootstrapPending: z.boolean(),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

export const heartbeatSchema = z.object({ seq: z.number().int(), at: z.date() });
export type Heartbeat = z.infer<typeof heartbeatSchema>;
