import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import { ClusterBus } from '@flowcast/api-core';

/** Access that was just taken away: one credential (logout, token revoked) or all of a user's. */
export type AccessRevocation =
  | { kind: 'credential'; credentialId: string }
  | { kind: 'user'; userId: string };

const TOPIC = 'access-revoked';

/**
 * Tells long-lived connections (streams) that access they were granted is gone, so they end at once. In a
 * cluster the revocation also goes to every other instance over the cluster bus (within milliseconds);
 * one made while Redis is away reaches the others' streams when they next reconnect, where the credential
 * is checked against the store again.
 */
@Injectable()
export class AccessEvents {
  private readonly logger = new Logger(AccessEvents.name);
  private readonly revocations = new Subject<AccessRevocation>();

  readonly revoked$: Observable<AccessRevocation> = this.revocations.asObservable();

  constructor(@Optional() @Inject(ClusterBus) private readonly bus: ClusterBus | null = null) {
    bus?.on<AccessRevocation>(TOPIC, (revocation) => {
      if (isRevocation(revocation)) this.revocations.next(revocation);
    });
  }

  revokeCredential(credentialId: string): void {
    this.revoke({ kind: 'credential', credentialId });
  }

  revokeUser(userId: string): void {
    this.revoke({ kind: 'user', userId });
  }

  private revoke(revocation: AccessRevocation): void {
    this.revocations.next(revocation);
    this.bus?.publish(TOPIC, revocation).catch((error: Error) => {
      this.logger.warn(`A revocation could not reach the other instances now: ${error.message}`);
    });
  }
}

function isRevocation(value: unknown): value is AccessRevocation {
  const candidate = value as Partial<Record<string, unknown>> | null;
  return (
    (candidate?.['kind'] === 'credential' && typeof candidate['credentialId'] === 'string') ||
    (candidate?.['kind'] === 'user' && typeof candidate['userId'] === 'string')
  );
}
