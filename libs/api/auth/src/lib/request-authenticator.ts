import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { parse as parseCookies } from 'cookie';
import { CREDENTIAL_QUERY_PARAMS } from '@flowcast/api-core';
import { SESSION_COOKIE } from '@flowcast/shared-contract';
import type { Principal } from './principal';
import { SessionsService } from './sessions/sessions.service';
import { TokensService } from './tokens/tokens.service';

const BEARER = /^Bearer ([^\s]+)$/i;

/** Whether a query carries a credential (`?access_token=` and the like): such a request is always refused. */
export function hasCredentialInQuery(has: (param: string) => boolean): boolean {
  return CREDENTIAL_QUERY_PARAMS.some(has);
}

/**
 * Who is calling, from the request's credentials: `Authorization: Bearer <API token>` first, then the
 * console's session cookie; null when neither is valid, or when the URL carries a credential. One place
 * for both the passport strategies (every Nest route) and the raw event-stream handler.
 */
@Injectable()
export class RequestAuthenticator {
  constructor(
    @Inject(TokensService) private readonly tokens: TokensService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
  ) {}

  async authenticate(headers: IncomingHttpHeaders, credentialInUrl: boolean): Promise<Principal | null> {
    return (
      (await this.bearer(headers.authorization, credentialInUrl)) ??
      (await this.session(this.sessionCookie(headers.cookie), credentialInUrl))
    );
  }

  async bearer(header: string | undefined, credentialInUrl: boolean): Promise<Principal | null> {
    if (!header || credentialInUrl) return null;
    const match = BEARER.exec(header);
    return match ? this.tokens.authenticate(match[1]) : null;
  }

  async session(token: string | undefined, credentialInUrl: boolean): Promise<Principal | null> {
    if (!token || credentialInUrl) return null;
    return this.sessions.authenticate(token);
  }

  private sessionCookie(header: string | undefined): string | undefined {
    return header ? parseCookies(header)[SESSION_COOKIE] : undefined;
  }
}
