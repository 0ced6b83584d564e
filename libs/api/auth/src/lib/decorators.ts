import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiErrorResponses } from '@flowcast/api-core';
import type { UserRole } from '@flowcast/shared-contract';
import type { Principal } from './principal';

export const REQUIRED_ROLES = 'flowcast:roles';

/**
 * Only these roles may call the route (checked by the global AccessGuard, after authentication); the
 * OpenAPI document lists the 403 the others get.
 */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(REQUIRED_ROLES, roles), ApiErrorResponses(403));

/** The authenticated caller. Only on guarded routes, where the guard has set it. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<{ user: Principal }>().user,
);

export const ALLOW_METRICS_TOKEN = 'flowcast:allow-metrics-token';

/**
 * The route also accepts `Authorization: Bearer <METRICS_TOKEN>` (a scraper with no user). Any other
 * request is authenticated as usual, so combine it with @Roles('admin'). Not a @Public(): without
 * credentials the route is still a 401.
 */
export const AllowMetricsToken = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ALLOW_METRICS_TOKEN, true);
