import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { computed, inject, Injectable, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import {
  authPaths,
  type AuthUserResponse,
  type LoginRequest,
  type UserView,
} from '@flowcast/shared-contract';

/** Who is signed in (CONTRACT §2). The session cookie is httpOnly, so the server is asked, never the cookie. */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);

  /** The signed-in user, or null; set by `login`, `me` and `logout`. */
  readonly user = signal<UserView | null>(null);
  readonly isAdmin = computed(() => this.user()?.role === 'admin');

  /** Rejects with the `HttpErrorResponse` (401 wrong credentials, 429 too many tries). */
  async login(username: string, password: string): Promise<UserView> {
    const body: LoginRequest = { username, password };
    const { user } = await firstValueFrom(this.http.post<AuthUserResponse>(authPaths.login, body));
    this.user.set(user);
    return user;
  }

  /** Forgets the user even when the server cannot be reached: the console must not look signed in. */
  async logout(): Promise<void> {
    try {
      await firstValueFrom(this.http.post<void>(authPaths.logout, null));
    } catch (error) {
      // A 401 means the session is already gone, which is what was asked for.
      if (!(error instanceof HttpErrorResponse && error.status === 401)) throw error;
    } finally {
      this.user.set(null);
    }
  }

  /** The signed-in user, or null when there is none (401). */
  async me(): Promise<UserView | null> {
    try {
      const { user } = await firstValueFrom(this.http.get<AuthUserResponse>(authPaths.me));
      this.user.set(user);
      return user;
    } catch (error) {
      if (error instanceof HttpErrorResponse && error.status === 401) {
        this.user.set(null);
        return null;
      }
      throw error;
    }
  }
}
