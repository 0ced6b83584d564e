import { Inject, Injectable } from '@nestjs/common';
import { parse as parseCookies } from 'cookie';
import type { Request } from 'express';
import { CREDENTIAL_QUERY_PARAMS } from '@flowcast/api-core';
import { SESSION_COOKIE } from '@flowcast/shared-contract';
import type { Principal } from './principal';
import { SessionsService } from './sessions/sessions.service';
import { TokensService } from './tokens/tokens.service';

const BEARER = /^Bearer ([^\s]+)$/i;

/** A credential in a URL ends up in logs and history: such a request is always refused. */
export function hasCredentialInUrl(req: Request): boolean {
  const query = req.query as Record<string, unknown>;
  return CREDENTIAL_QUERY_PARAMS.some((param) => query[param] !== undefined);
}

/**
 * Who is calling: `Authorization: Bearer <API token>` first, then the console's session cookie (the only
 * cookie the API reads, so no cookie-parsing middleware); null when neither is valid, or when the URL
 * carries a credential. The global AccessGuard's first step.
 *
 * Not through passport (which the login still uses, with passport-local): for these two credentials
 * passport only dispatched to this code, and on every request it built a strategy object, a dozen
 * closures and a promise, and hung six functions on the request (docs/performance.md).
 */
@Injectable()
export class RequestAuthenticator {
  constructor(
    @Inject(TokensService) private readonly tokens: TokensService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
  ) {}

  async authenticate(req: Request): Promise<Principal | null> {
    if (hasCredentialInUrl(req)) return null;
    const bearer = BEARER.exec(req.headers.authorization ?? '');
    const byToken = bearer ? await this.tokens.authenticate(bearer[1]) : null;
    if (byToken) return byToken;
    const cookies = req.headers.cookie;
    const session = cookies ? parseCookies(cookies)[SESSION_COOKIE] : undefined;
    return session ? this.sessions.authenticate(session) : null;
  }
}
