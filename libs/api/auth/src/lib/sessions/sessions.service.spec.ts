import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { type FlowcastConfig, loadConfig, StoreConnection } from '@flowcast/api-core';
import { AccessEvents } from '../access-events';
import { UsersRepository } from '../users/users.repository';
import { SessionSecret } from './session-secret';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

const SECRET = 'sessions-spec-secret';
const MINUTE = 60_000;
const IDLE_MS = 10 * MINUTE;
const MAX_MS = 30 * MINUTE;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');

/** Fakes only the clock: the store's promises and I/O run as usual. */
function freezeClockAt(now: number): void {
  jest.useFakeTimers({
    now,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}

const at = (offsetMs: number) => jest.setSystemTime(T0 + offsetMs);
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

describe('SessionsService (on a SQLite store)', () => {
  let dir: string;
  let store: StoreConnection;
  let config: FlowcastConfig;
  let access: AccessEvents;
  let sessions: SessionsService;
  let userId: string;

  const serviceFor = (withConfig: FlowcastConfig) =>
    new SessionsService(
      withConfig,
      new SessionsRepository(store),
      new SessionSecret(withConfig, store),
      access,
    );

  const sessionRow = (id: string) =>
    store.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  async function addUser(username: string): Promise<string> {
    const id = `usr_${randomBytes(8).toString('hex')}`;
    const now = new Date().toISOString();
    await new UsersRepository(store).insert({
      id,
      username,
      password_hash: 'unused-in-these-tests',
      role: 'member',
      created_at: now,
      updated_at: now,
    });
    return id;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowcast-sessions-'));
    config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'auth.db')}`,
      SESSION_SECRET: SECRET,
      SESSION_IDLE_MS: String(IDLE_MS),
      SESSION_MAX_MS: String(MAX_MS),
    });
    store = await StoreConnection.open(config.store);
    userId = await addUser('carol');
  });

  beforeEach(() => {
    access = new AccessEvents();
    sessions = serviceFor(config);
    freezeClockAt(T0);
  });

  afterEach(() => jest.useRealTimers());

  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates the token it issued as the session of that user', async () => {
    const { token, sessionId } = await sessions.create(userId);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(sessions.authenticate(token)).resolves.toEqual({
      userId,
      username: 'carol',
      role: 'member',
      credential: { kind: 'session', id: sessionId },
    });
  });

  it('stores the HMAC of the token under the session secret as the id, never the token', async () => {
    const { token, sessionId } = await sessions.create(userId);
    expect(sessionId).toBe(createHmac('sha256', SECRET).update(token).digest('base64url'));
    const row = await sessionRow(sessionId);
    expect(row).toMatchObject({ user_id: userId, created_at: iso(0), expires_at: iso(IDLE_MS) });
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('refuses a token it never issued, and a malformed one', async () => {
    await sessions.create(userId);
    await expect(sessions.authenticate(randomBytes(32).toString('base64url'))).resolves.toBeNull();
    await expect(sessions.authenticate('not-a-session-token')).resolves.toBeNull();
    await expect(sessions.authenticate('')).resolves.toBeNull();
  });

  it('refuses a session under another secret (a token is bound to the server that issued it)', async () => {
    const { token } = await sessions.create(userId);
    const elsewhere = serviceFor({ ...config, auth: { ...config.auth, sessionSecret: 'another-secret' } });
    await expect(elsewhere.authenticate(token)).resolves.toBeNull();
  });

  it('refuses a revoked session and tells its open streams', async () => {
    const { token, sessionId } = await sessions.create(userId);
    const announced = firstValueFrom(access.revoked$);
    await sessions.revoke(sessionId);
    await expect(announced).resolves.toEqual({ kind: 'credential', credentialId: sessionId });
    await expect(sessions.authenticate(token)).resolves.toBeNull();
  });

  it("revokes all of one user's sessions and nobody else's", async () => {
    const other = await addUser(`dave-${randomBytes(4).toString('hex')}`);
    const first = await sessions.create(userId);
    const second = await sessions.create(userId);
    const theirs = await sessions.create(other);
    await sessions.revokeAllOf(userId);
    await expect(sessions.authenticate(first.token)).resolves.toBeNull();
    await expect(sessions.authenticate(second.token)).resolves.toBeNull();
    await expect(sessions.authenticate(theirs.token)).resolves.toMatchObject({ userId: other });
  });

  describe('expiry', () => {
    it('keeps an unused session until SESSION_IDLE_MS after login', async () => {
      const { token } = await sessions.create(userId);
      at(IDLE_MS - 1);
      await expect(sessions.authenticate(token)).resolves.not.toBeNull();
    });

    it('ends a session left unused for SESSION_IDLE_MS', async () => {
      const { token } = await sessions.create(userId);
      at(IDLE_MS);
      await expect(sessions.authenticate(token)).resolves.toBeNull();
    });

    it('slides the expiry forward with use, past the first deadline', async () => {
      const { token, sessionId } = await sessions.create(userId);
      at(5 * MINUTE);
      await expect(sessions.authenticate(token)).resolves.not.toBeNull();
      await expect(sessionRow(sessionId)).resolves.toMatchObject({
        last_seen_at: iso(5 * MINUTE),
        expires_at: iso(5 * MINUTE + IDLE_MS),
      });
      at(IDLE_MS + 4 * MINUTE);
      await expect(sessions.authenticate(token)).resolves.not.toBeNull();
    });

    it('does not write the expiry again within a minute of the last use', async () => {
      const { token, sessionId } = await sessions.create(userId);
      at(30_000);
      await expect(sessions.authenticate(token)).resolves.not.toBeNull();
      await expect(sessionRow(sessionId)).resolves.toMatchObject({
        last_seen_at: iso(0),
        expires_at: iso(IDLE_MS),
      });
    });

    it('ends a session SESSION_MAX_MS after login however often it is used', async () => {
      const { token, sessionId } = await sessions.create(userId);
      for (let offset = 5 * MINUTE; offset < MAX_MS; offset += 5 * MINUTE) {
        at(offset);
        await expect(sessions.authenticate(token)).resolves.not.toBeNull();
        expect(Date.parse((await sessionRow(sessionId)).expires_at)).toBeLessThanOrEqual(T0 + MAX_MS);
      }
      at(MAX_MS - 1);
      await expect(sessions.authenticate(token)).resolves.not.toBeNull();
      at(MAX_MS);
      await expect(sessions.authenticate(token)).resolves.toBeNull();
    });
  });

  it('keeps a generated secret in the store, so another instance (or a restart) accepts the session', async () => {
    const unset = { ...config, auth: { ...config.auth, sessionSecret: undefined } };
    const { token, sessionId } = await serviceFor(unset).create(userId);
    const restarted = serviceFor(unset);
    await expect(restarted.authenticate(token)).resolves.toMatchObject({
      credential: { kind: 'session', id: sessionId },
    });
    const setting = await store.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'session_secret')
      .executeTakeFirstOrThrow();
    expect(sessionId).toBe(createHmac('sha256', setting.value).update(token).digest('base64url'));
  });
});
