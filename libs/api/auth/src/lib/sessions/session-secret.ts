import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { FLOWCAST_CONFIG, type FlowcastConfig, StoreConnection } from '@flowcast/api-core';

const KEY = 'session_secret';

/**
 * The key sessions are hashed under: SESSION_SECRET, or one generated on first start and kept in the store,
 * so that restarts (and other instances on the same store) keep sessions valid.
 */
@Injectable()
export class SessionSecret {
  private value: Promise<string> | undefined;

  constructor(
    @Inject(FLOWCAST_CONFIG) private readonly config: FlowcastConfig,
    @Inject(StoreConnection) private readonly store: StoreConnection,
  ) {}

  get(): Promise<string> {
    // A failed load (the store blinked) is not kept: the next call tries again.
    this.value ??= this.load().catch((error: unknown) => {
      this.value = undefined;
      throw error;
    });
    return this.value;
  }

  private async load(): Promise<string> {
    if (this.config.auth.sessionSecret) return this.config.auth.sessionSecret;
    const generated = randomBytes(32).toString('base64url');
    // Insert-if-absent, then read: two instances starting together agree on one secret.
    await this.store.db
      .insertInto('settings')
      .values({ key: KEY, value: generated })
      .onConflict((conflict) => conflict.column('key').doNothing())
      .execute();
    const row = await this.store.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', KEY)
      .executeTakeFirstOrThrow();
    return row.value;
  }
}
