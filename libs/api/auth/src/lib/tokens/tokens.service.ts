import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ApiTokenView, CreateTokenResponse, UserRole } from '@flowcast/shared-contract';
import type { ApiTokensTable } from '@flowcast/api-core';
import { AccessEvents } from '../access-events';
import type { Principal } from '../principal';
import { TokensRepository } from './tokens.repository';

/** `fct_<16 hex id>.<43 base64url secret>`: the id finds the row, the secret is compared by hash. */
const TOKEN_PATTERN = /^fct_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
const TOUCH_AFTER_MS = 60_000;

const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret).digest();

function toView(row: ApiTokensTable): ApiTokenView {
  return { id: row.id, name: row.name, createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

/** Personal API tokens for scripts: shown once, stored hashed, sent only as `Authorization: Bearer`. */
@Injectable()
export class TokensService {
  constructor(
    @Inject(TokensRepository) private readonly tokens: TokensRepository,
    @Inject(AccessEvents) private readonly access: AccessEvents,
  ) {}

  async create(userId: string, name: string): Promise<CreateTokenResponse> {
    const idPart = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row: ApiTokensTable = {
      id: `tok_${idPart}`,
      user_id: userId,
      name,
      secret_hash: hashSecret(secret).toString('base64url'),
      created_at: new Date().toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.tokens.insert(row);
    return { ...toView(row), token: `fct_${idPart}.${secret}` };
  }

  async list(userId: string): Promise<ApiTokenView[]> {
    return (await this.tokens.listActive(userId)).map(toView);
  }

  async authenticate(token: string): Promise<Principal | null> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return null;
    const row = await this.tokens.findWithUser(`tok_${match[1]}`);
    if (!row || row.revoked_at !== null) return null;
    const expected = Buffer.from(row.secret_hash, 'base64url');
    const actual = hashSecret(match[2]);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    const now = Date.now();
    if (row.last_used_at === null || now - Date.parse(row.last_used_at) > TOUCH_AFTER_MS) {
      await this.tokens.touch(row.id, new Date(now).toISOString());
    }
    return {
      userId: row.user_id,
      username: row.username,
      role: row.role as UserRole,
      credential: { kind: 'token', id: row.id },
    };
  }

  /** Revokes one of the caller's tokens and ends the streams it opened; someone else's token is a 404. */
  async revoke(principal: Principal, tokenId: string): Promise<void> {
    if (!(await this.tokens.revoke(tokenId, principal.userId, new Date().toISOString()))) {
      throw new NotFoundException('Token not found');
    }
    this.access.revokeCredential(tokenId);
  }
}
