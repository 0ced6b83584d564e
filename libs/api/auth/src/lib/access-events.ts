import { Injectable } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';

/** Access that was just taken away: one credential (logout, token revoked) or all of a user's. */
export type AccessRevocation =
  | { kind: 'credential'; credentialId: string }
  | { kind: 'user'; userId: string };

/** Tells long-lived connections (streams) that access they were granted is gone, so they end at once. */
@Injectable()
export class AccessEvents {
  private readonly revocations = new Subject<AccessRevocation>();

  readonly revoked$: Observable<AccessRevocation> = this.revocations.asObservable();

  revokeCredential(credentialId: string): void {
    this.revocations.next({ kind: 'credential', credentialId });
  }

  revokeUser(userId: string): void {
    this.revocations.next({ kind: 'user', userId });
  }
}
