import { Inject, Injectable } from '@nestjs/common';
import { ApiTokensTable, StoreConnection, UsersTable } from '@flowcast/api-core';

export type TokenWithUser = ApiTokensTable & Pick<UsersTable, 'username' | 'role'>;

@Injectable()
export class TokensRepository {
  constructor(@Inject(StoreConnection) private readonly store: StoreConnection) {}

  async insert(token: ApiTokensTable): Promise<void> {
    await this.store.db.insertInto('api_tokens').values(token).execute();
  }

  findWithUser(id: string): Promise<TokenWithUser | undefined> {
    return this.store.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id',
        'api_tokens.user_id',
        'api_tokens.name',
        'api_tokens.secret_hash',
        'api_tokens.created_at',
        'api_tokens.last_used_at',
        'api_tokens.revoked_at',
        'users.username',
        'users.role',
      ])
      .where('api_tokens.id', '=', id)
      .executeTakeFirst();
  }

  listActive(userId: string): Promise<ApiTokensTable[]> {
    return this.store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
  }

  async touch(id: string, at: string): Promise<void> {
    await this.store.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  /** Revokes a token of this user; false when there is no such active token. */
  async revoke(id: string, userId: string, at: string): Promise<boolean> {
    const result = await this.store.db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
