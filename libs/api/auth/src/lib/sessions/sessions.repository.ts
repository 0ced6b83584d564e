import { Inject, Injectable } from '@nestjs/common';
import { SessionsTable, StoreConnection, UsersTable } from '@flowcast/api-core';

export type SessionWithUser = SessionsTable & Pick<UsersTable, 'username' | 'role'>;

@Injectable()
export class SessionsRepository {
  constructor(@Inject(StoreConnection) private readonly store: StoreConnection) {}

  async insert(session: SessionsTable): Promise<void> {
    await this.store.db.insertInto('sessions').values(session).execute();
  }

  findWithUser(id: string): Promise<SessionWithUser | undefined> {
    return this.store.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id',
        'sessions.user_id',
        'sessions.created_at',
        'sessions.last_seen_at',
        'sessions.expires_at',
        'sessions.revoked_at',
        'users.username',
        'users.role',
      ])
      .where('sessions.id', '=', id)
      .executeTakeFirst();
  }

  async touch(id: string, lastSeenAt: string, expiresAt: string): Promise<void> {
    await this.store.db
      .updateTable('sessions')
      .set({ last_seen_at: lastSeenAt, expires_at: expiresAt })
      .where('id', '=', id)
      .execute();
  }

  async revoke(id: string, at: string): Promise<void> {
    await this.store.db
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeAllOf(userId: string, at: string): Promise<void> {
    await this.store.db
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }
}
