import { randomBytes } from 'node:crypto';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { UsersTable } from '@flowcast/api-core';
import type { UserRole, UserView } from '@flowcast/shared-contract';
import { AccessEvents } from '../access-events';
import { SessionsService } from '../sessions/sessions.service';
import { hashPassword } from './passwords';
import { UsersRepository } from './users.repository';

export function toUser(row: UsersTable): UserView {
  return { id: row.id, username: row.username, role: row.role as UserRole };
}

@Injectable()
export class UsersService {
  constructor(
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(AccessEvents) private readonly access: AccessEvents,
  ) {}

  async create(username: string, password: string, role: UserRole): Promise<UserView> {
    if (await this.users.findByUsername(username))
      throw new ConflictException(`User ${username} already exists`);
    const now = new Date().toISOString();
    const row: UsersTable = {
      id: `usr_${randomBytes(8).toString('hex')}`,
      username,
      password_hash: await hashPassword(password),
      role,
      created_at: now,
      updated_at: now,
    };
    await this.users.insert(row);
    return toUser(row);
  }

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(toUser);
  }

  /**
   * Changes a user's role and/or password. Either change ends the user's open streams (they reconnect
   * and are checked again); a new password also signs out every session.
   */
  async update(id: string, patch: { role?: UserRole; password?: string }): Promise<UserView> {
    const existing = await this.users.findById(id);
    if (!existing) throw new NotFoundException('User not found');
    await this.users.update(id, {
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.password !== undefined ? { password_hash: await hashPassword(patch.password) } : {}),
    });
    if (patch.password !== undefined) await this.sessions.revokeAllOf(id);
    if (patch.password !== undefined || (patch.role !== undefined && patch.role !== existing.role)) {
      this.access.revokeUser(id);
    }
    return toUser({ ...existing, role: patch.role ?? existing.role });
  }

  async remove(id: string): Promise<void> {
    if (!(await this.users.remove(id))) throw new NotFoundException('User not found');
    this.access.revokeUser(id);
  }

  async setPasswordByName(username: string, password: string): Promise<UserView> {
    const user = await this.users.findByUsername(username);
    if (!user) throw new NotFoundException(`User ${username} not found`);
    return this.update(user.id, { password });
  }

  countAdmins(): Promise<number> {
    return this.users.count('admin');
  }

  exists(username: string): Promise<boolean> {
    return this.users.findByUsername(username).then((user) => user !== undefined);
  }
}
