import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { SESSION_COOKIE } from '@flowcast/shared-contract';
import type { Principal } from '../principal';
import { hasCredentialInQuery, RequestAuthenticator } from '../request-authenticator';

/** A credential in a URL ends up in logs and history: such a request is always refused. */
export function hasCredentialInUrl(req: Request): boolean {
  const query = req.query as Record<string, unknown>;
  return hasCredentialInQuery((param) => query[param] !== undefined);
}

/** `Authorization: Bearer <token>` with a personal API token. */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(@Inject(RequestAuthenticator) private readonly authenticator: RequestAuthenticator) {
    super();
  }

  async validate(req: Request): Promise<Principal | false> {
    return (await this.authenticator.bearer(req.headers.authorization, hasCredentialInUrl(req))) ?? false;
  }
}

/** The httpOnly session cookie the console logs in with. */
@Injectable()
export class SessionStrategy extends PassportStrategy(Strategy, 'session') {
  constructor(@Inject(RequestAuthenticator) private readonly authenticator: RequestAuthenticator) {
    super();
  }

  async validate(req: Request): Promise<Principal | false> {
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    return (await this.authenticator.session(token, hasCredentialInUrl(req))) ?? false;
  }
}
