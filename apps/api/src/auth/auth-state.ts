// What a verified access token and its live session say about the caller. Plain data, so
// the socket registry and the session guard need nothing from the request context.
import type { Role } from '@jutsu/shared';

export interface AuthState {
  userId: string;
  username: string;
  role: Role;
  sessionId: string;
  jti: string;
  tokenExpiresAt: Date;
  authTime: Date;
  amr: string[];
  mustChangePassword: boolean;
}
