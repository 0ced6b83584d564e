import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import {
  authPaths,
  type ApiTokenListResponse,
  type ApiTokenView,
  type CreateTokenRequest,
  type CreateTokenResponse,
} from '@flowcast/shared-contract';

/** The signed-in user's personal API tokens (CONTRACT §2). */
@Injectable({ providedIn: 'root' })
export class TokensApi {
  private readonly http = inject(HttpClient);

  /** The caller's tokens that are not revoked. */
  async list(): Promise<ApiTokenView[]> {
    return (await firstValueFrom(this.http.get<ApiTokenListResponse>(authPaths.tokens))).items;
  }

  /** The answer is the only time the token's value is seen: the server keeps only its hash. */
  create(name: string): Promise<CreateTokenResponse> {
    const body: CreateTokenRequest = { name };
    return firstValueFrom(this.http.post<CreateTokenResponse>(authPaths.tokens, body));
  }

  /** Revokes the token; the server also ends the streams it opened. */
  revoke(id: string): Promise<void> {
    return firstValueFrom(this.http.delete<void>(authPaths.token(id)));
  }
}
