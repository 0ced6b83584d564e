import type { UserRole, UserView } from '@flowcast/shared-contract';

/** Who is calling, and with which credential (so that revoking that credential can end its streams). */
export interface Principal {
  userId: string;
  username: string;
  role: UserRole;
  credential: { kind: 'session' | 'token'; id: string };
}

export function toUserView(principal: Principal): UserView {
  return { id: principal.userId, username: principal.username, role: principal.role };
}

export function isAdmin(principal: Principal): boolean {
  return principal.role === 'admin';
}
