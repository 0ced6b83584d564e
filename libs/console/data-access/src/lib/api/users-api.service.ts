import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import {
  authPaths,
  type CreateUserRequest,
  type UpdateUserRequest,
  type UserListResponse,
  type UserView,
} from '@flowcast/shared-contract';

/** User administration (CONTRACT §2): every call is admin only on the server. */
@Injectable({ providedIn: 'root' })
export class UsersApi {
  private readonly http = inject(HttpClient);

  async list(): Promise<UserView[]> {
    return (await firstValueFrom(this.http.get<UserListResponse>(authPaths.users))).items;
  }

  /** Rejects with a 409 when the username is taken. */
  create(user: CreateUserRequest): Promise<UserView> {
    return firstValueFrom(this.http.post<UserView>(authPaths.users, user));
  }

  /** Rejects with a 409 when an admin changes their own role. */
  update(id: string, patch: UpdateUserRequest): Promise<UserView> {
    return firstValueFrom(this.http.patch<UserView>(authPaths.user(id), patch));
  }

  /** Rejects with a 409 when an admin removes themself. */
  remove(id: string): Promise<void> {
    return firstValueFrom(this.http.delete<void>(authPaths.user(id)));
  }
}
