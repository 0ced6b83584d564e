import { Inject, Injectable } from '@nestjs/common';
import { StoreConnection, UsersTable } from '@flowcast/api-core';

@Injectable()
export class UsersRepository {
  constructor(@Inject(StoreConnection) private readonly store: StoreConnection) {}

  async insert(user: UsersTable): Promise<void> {
    await this.store.db.insertInto('users').values(user).execute();
  }

  findById(id: string): Promise<UsersTable | undefined> {
    return this.store.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByUsername(username: string): Promise<UsersTable | undefined> {
    return this.store.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  list(): Promise<UsersTable[]> {
    return this.store.db.selectFrom('users').selectAll().orderBy('username').execute();
  }

  async update(id: string, patch: Partial<Pick<UsersTable, 'role' | 'password_hash'>>): Promise<boolean> {
    const result = await this.store.db
      .updateTable('users')
      .set({ ...patch, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Removes the user; their sessions and tokens go with them (foreign keys cascade). */
  async remove(id: string): Promise<boolean> {
    const result = await this.store.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async count(role?: string): Promise<number> {
    let query = this.store.db.selectFrom('users');
    if (role !== undefined) query = query.where('role', '=', role);
    const row = await query
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}
