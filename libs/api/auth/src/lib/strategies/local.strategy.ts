import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
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

  async validate(req: Request, username: string, password: string) {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    try {
      this.throttle.assertAllowed(username, address);
      const user = typeof username === 'string' ? await this.users.findByUsername(username) : undefined;
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
