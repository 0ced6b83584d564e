import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { FLOWCAST_CONFIG, type FlowcastConfig } from '@flowcast/api-core';
import type { UserRole } from '@flowcast/shared-contract';
import { AccessEvents } from '../access-events';
import type { Principal } from '../principal';
import { SessionSecret } from './session-secret';
import { SessionsRepository } from './sessions.repository';

/** How stale last_seen_at may get before a request slides the expiry forward (saves a write per request). */
const TOUCH_AFTER_MS = 60_000;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Server-side sessions: the cookie holds a random token; the store holds only its HMAC, the user, and the
 * expiry, which slides forward with use (SESSION_IDLE_MS) up to SESSION_MAX_MS after login.
 */
@Injectable()
export class SessionsService {
  constructor(
    @Inject(FLOWCAST_CONFIG) private readonly config: FlowcastConfig,
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(SessionSecret) private readonly secret: SessionSecret,
    @Inject(AccessEvents) private readonly access: AccessEvents,
  ) {}

  async create(userId: string): Promise<{ token: string; sessionId: string }> {
    const token = randomBytes(32).toString('base64url');
    const sessionId = await this.idOf(token);
    const now = Date.now();
    await this.sessions.insert({
      id: sessionId,
      user_id: userId,
      created_at: new Date(now).toISOString(),
      last_seen_at: new Date(now).toISOString(),
      expires_at: new Date(now + this.config.auth.sessionIdleMs).toISOString(),
      revoked_at: null,
    });
    return { token, sessionId };
  }

  async authenticate(token: string): Promise<Principal | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const session = await this.sessions.findWithUser(await this.idOf(token));
    const now = Date.now();
    if (!session || session.revoked_at !== null || Date.parse(session.expires_at) <= now) return null;
    const hardLimit = Date.parse(session.created_at) + this.config.auth.sessionMaxMs;
    if (hardLimit <= now) return null;
    if (now - Date.parse(session.last_seen_at) > TOUCH_AFTER_MS) {
      const expires = Math.min(now + this.config.auth.sessionIdleMs, hardLimit);
      await this.sessions.touch(session.id, new Date(now).toISOString(), new Date(expires).toISOString());
    }
    return {
      userId: session.user_id,
      username: session.username,
      role: session.role as UserRole,
      credential: { kind: 'session', id: session.id },
    };
  }

  /** Revokes the session and ends the streams it opened. */
  async revoke(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId, new Date().toISOString());
    this.access.revokeCredential(sessionId);
  }

  async revokeAllOf(userId: string): Promise<void> {
    await this.sessions.revokeAllOf(userId, new Date().toISOString());
  }

  private async idOf(token: string): Promise<string> {
    return createHmac('sha256', await this.secret.get())
      .update(token)
      .digest('base64url');
  }
}
