import { BadRequestException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-local';
import { LoginThrottle, TooManyLoginsException } from '../login-throttle';
import { dummyPasswordHash, verifyPassword } from '../users/passwords';
import { UsersRepository } from '../users/users.repository';
import { toUser } from '../users/users.service';

/** Username and password, for `POST /api/auth/login` only. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
  ) {
    super({ usernameField: 'username', passwordField: 'password', passReqToCallback: true, session: false });
  }

  async validate(req: Request, username: unknown, password: unknown) {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    // passport-local also reads the query string: a password in a URL ends up in logs, so refuse it.
    const query = req.query as Record<string, unknown>;
    if (query['username'] !== undefined || query['password'] !== undefined) {
      throw new BadRequestException('Send the username and password in a JSON body, never in the URL');
    }
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw new UnauthorizedException('Wrong username or password');
    }
    try {
      await this.throttle.assertAllowed(username, address);
      const user = await this.users.findByUsername(username);
      // Hash even for an unknown user, so that the answer's timing does not tell which usernames exist.
      const matches = await verifyPassword(
        String(password),
        user?.password_hash ?? (await dummyPasswordHash()),
      );
      if (!user || !matches) {
        await this.throttle.recordFailure(username, address);
        throw new UnauthorizedException('Wrong username or password');
      }
      return toUser(user);
    } catch (error) {
      if (error instanceof TooManyLoginsException)
        req.res?.setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
  }
}
