import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { CREDENTIAL_QUERY_PARAMS } from '@flowcast/api-core';
import { SESSION_COOKIE } from '@flowcast/shared-contract';
import type { Principal } from '../principal';
import { SessionsService } from '../sessions/sessions.service';
import { TokensService } from '../tokens/tokens.service';

/** A credential in a URL ends up in logs and history: such a request is always refused. */
export function hasCredentialInUrl(req: Request): boolean {
  const query = req.query as Record<string, unknown>;
  return CREDENTIAL_QUERY_PARAMS.some((param) => query[param] !== undefined);
}

/** `Authorization: Bearer <token>` with a personal API token. */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(@Inject(TokensService) private readonly tokens: TokensService) {
    super();
  }

  async validate(req: Request): Promise<Principal | false> {
    const header = req.headers.authorization;
    if (!header || hasCredentialInUrl(req)) return false;
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    return (match && (await this.tokens.authenticate(match[1]))) || false;
  }
}

/** The httpOnly session cookie the console logs in with. */
@Injectable()
export class SessionStrategy extends PassportStrategy(Strategy, 'session') {
  constructor(@Inject(SessionsService) private readonly sessions: SessionsService) {
    super();
  }

  async validate(req: Request): Promise<Principal | false> {
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (!token || hasCredentialInUrl(req)) return false;
    return (await this.sessions.authenticate(token)) || false;
  }
}
