import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { UserRole } from '@flowcast/shared-contract';
import type { Principal } from './principal';

export const REQUIRED_ROLES = 'flowcast:roles';

/** Only these roles may call the route (checked by the global AccessGuard, after authentication). */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLES, roles);

/** The authenticated caller. Only on guarded routes, where the guard has set it. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<{ user: Principal }>().user,
);
