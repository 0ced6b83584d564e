import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

/**
 * The login's guard. passport-local refuses a body without a username or password before the strategy
 * runs, and Nest's AuthGuard then throws a bare 401 (`{ statusCode, message }`, no `error`): answer it as
 * every other wrong login, in the one error shape (ErrorResponse; the OpenAPI e2e spec found it).
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error;
    if (!user) throw new UnauthorizedException('Wrong username or password');
    return user;
  }
}
