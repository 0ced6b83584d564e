import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { assertBodyAccepted, FLOWCAST_CONFIG, type FlowcastConfig, IS_PUBLIC } from '@flowcast/api-core';
import { CSRF_HEADER, CSRF_HEADER_VALUE, type UserRole } from '@flowcast/shared-contract';
import { ALLOW_METRICS_TOKEN, REQUIRED_ROLES } from './decorators';
import { metricsTokenMatcher } from './metrics-token';
import type { Principal } from './principal';
import { RequestAuthenticator } from './request-authenticator';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one global guard, secure by default: a route is open only when it says @Public(). In order:
 * 0. @AllowMetricsToken() routes pass for `Authorization: Bearer <METRICS_TOKEN>` (a scraper, no user);
 *    any other credential goes on through the steps below;
 * 1. authenticate (bearer token, then session cookie) — no valid credential is a 401, before any other check;
 * 2. CSRF — a cookie-authenticated request that changes state must carry `X-Requested-With: flowcast` (403);
 * 3. roles — @Roles('admin') routes refuse other roles (403);
 * 4. the body — one the JSON parser refused is a 400 (held back until now by deferBodyErrors, so that a
 *    request without credentials is a 401 whatever its body). @Public() routes get this step alone.
 * Ownership of workflows is checked by the workflows service (someone else's workflow is a 404).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly isMetricsToken: (req: Request) => boolean;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(RequestAuthenticator) private readonly authenticator: RequestAuthenticator,
    @Inject(FLOWCAST_CONFIG) config: FlowcastConfig,
  ) {
    this.isMetricsToken = metricsTokenMatcher(config.metrics.token);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<Request & { user: Principal }>();
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      assertBodyAccepted(req);
      return true;
    }
    if (this.reflector.getAllAndOverride<boolean>(ALLOW_METRICS_TOKEN, targets) && this.isMetricsToken(req)) {
      assertBodyAccepted(req);
      return true;
    }
    const principal = await this.authenticator.authenticate(req);
    if (!principal) throw new UnauthorizedException('Authentication required');
    req.user = principal;
    if (
      principal.credential.kind === 'session' &&
      !SAFE_METHODS.has(req.method) &&
      req.headers[CSRF_HEADER.toLowerCase()] !== CSRF_HEADER_VALUE
    ) {
      throw new ForbiddenException(
        `A cookie-authenticated ${req.method} needs the header ${CSRF_HEADER}: ${CSRF_HEADER_VALUE}`,
      );
    }
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(REQUIRED_ROLES, targets);
    if (roles && !roles.includes(principal.role)) throw new ForbiddenException('This needs an admin');
    assertBodyAccepted(req);
    return true;
  }
}
