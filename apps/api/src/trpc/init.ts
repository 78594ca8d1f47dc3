import { initTRPC } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context.ts';
import { ReasonCause } from './errors.ts';
import type { ProcedureMeta } from './meta.ts';
import { sharingTransformer } from './shared-frames.ts';

export const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    // superjson; a live event is serialised once for all its subscribers (shared-frames.ts).
    transformer: sharingTransformer,
    // Stacks are logged on the server, never sent: not even in development.
    isDev: false,
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      return {
        message: internal ? 'Internal server error' : cause instanceof ZodError ? 'Invalid input' : shape.message,
        code: shape.code,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          reason: cause instanceof ReasonCause ? cause.reason : undefined,
          ...(cause instanceof ReasonCause ? cause.extra : {}),
          issues:
            cause instanceof ZodError
              ? cause.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
              : undefined,
        },
      };
    },
  });
