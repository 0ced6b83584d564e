import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundException } from '@nestjs/common';
import { firstValueFrom, type Subscription } from 'rxjs';
import { StoreConnection } from '@flowcast/api-core';
import type { UserRole } from '@flowcast/shared-contract';
import { AccessEvents, type AccessRevocation } from '../access-events';
import type { Principal } from '../principal';
import { UsersRepository } from '../users/users.repository';
import { TokensRepository } from './tokens.repository';
import { TokensService } from './tokens.service';

const TOKEN_FORMAT = /^fct_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

describe('TokensService (on a SQLite store)', () => {
  let dir: string;
  let store: StoreConnection;
  let access: AccessEvents;
  let tokens: TokensService;
  let alice: Principal;
  let bob: Principal;

  async function addUser(username: string, role: UserRole): Promise<Principal> {
    const now = new Date().toISOString();
    const id = `usr_${randomBytes(8).toString('hex')}`;
    await new UsersRepository(store).insert({
      id,
      username,
      password_hash: 'unused-in-these-tests',
      role,
      created_at: now,
      updated_at: now,
    });
    return { userId: id, username, role, credential: { kind: 'session', id: 'unused' } };
  }

  const tokenRow = (id: string) =>
    store.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowcast-tokens-'));
    store = await StoreConnection.open({ kind: 'sqlite', path: join(dir, 'auth.db') });
    alice = await addUser('alice', 'member');
    bob = await addUser('bob', 'admin');
  });

  beforeEach(() => {
    access = new AccessEvents();
    tokens = new TokensService(new TokensRepository(store), access);
  });

  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('issues fct_<16 hex>.<43 base64url> tokens whose id part names the stored row', async () => {
    const created = await tokens.create(alice.userId, 'ci');
    const match = TOKEN_FORMAT.exec(created.token);
    expect(match).not.toBeNull();
    expect(created).toMatchObject({ id: `tok_${match?.[1]}`, name: 'ci', lastUsedAt: null });
    await expect(tokenRow(created.id)).resolves.toMatchObject({ user_id: alice.userId, name: 'ci' });
  });

  it('issues a different id and secret every time', async () => {
    const a = TOKEN_FORMAT.exec((await tokens.create(alice.userId, 'a')).token);
    const b = TOKEN_FORMAT.exec((await tokens.create(alice.userId, 'b')).token);
    expect(b?.[1]).not.toBe(a?.[1]);
    expect(b?.[2]).not.toBe(a?.[2]);
  });

  it('authenticates a token as its owner, with the token as the credential', async () => {
    const created = await tokens.create(bob.userId, 'script');
    await expect(tokens.authenticate(created.token)).resolves.toEqual({
      userId: bob.userId,
      username: 'bob',
      role: 'admin',
      credential: { kind: 'token', id: created.id },
    });
  });

  it('keeps only the SHA-256 of the secret: neither the token nor its secret is stored', async () => {
    const created = await tokens.create(alice.userId, 'hashed');
    const secret = TOKEN_FORMAT.exec(created.token)?.[2] as string;
    const row = await tokenRow(created.id);
    expect(row.secret_hash).toBe(createHash('sha256').update(secret).digest('base64url'));
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(created.token);
  });

  it('records when a token was first used', async () => {
    const created = await tokens.create(alice.userId, 'used');
    expect((await tokenRow(created.id)).last_used_at).toBeNull();
    await tokens.authenticate(created.token);
    expect((await tokenRow(created.id)).last_used_at).not.toBeNull();
  });

  describe('refuses', () => {
    let token: string;
    let idHex: string;
    let secret: string;

    beforeEach(async () => {
      token = (await tokens.create(alice.userId, 'target')).token;
      [, idHex, secret] = TOKEN_FORMAT.exec(token) as RegExpExecArray;
    });

    it('a forged secret under a real id', async () => {
      await expect(
        tokens.authenticate(`fct_${idHex}.${randomBytes(32).toString('base64url')}`),
      ).resolves.toBeNull();
    });

    it('a secret one character off', async () => {
      const altered = (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);
      await expect(tokens.authenticate(`fct_${idHex}.${altered}`)).resolves.toBeNull();
    });

    it('a real secret under an id that was never issued', async () => {
      await expect(
        tokens.authenticate(`fct_${randomBytes(8).toString('hex')}.${secret}`),
      ).resolves.toBeNull();
    });

    it("a real secret under another real token's id", async () => {
      const other = TOKEN_FORMAT.exec((await tokens.create(alice.userId, 'other')).token) as RegExpExecArray;
      await expect(tokens.authenticate(`fct_${other[1]}.${secret}`)).resolves.toBeNull();
    });

    it.each([
      ['an empty string', () => ''],
      ['a token without its prefix', () => token.slice('fct_'.length)],
      ['a token with upper-case hex', () => `fct_${idHex.toUpperCase()}.${secret}`],
      ['a token with a short secret', () => token.slice(0, -1)],
      ['a token with trailing text', () => `${token}x`],
    ])('%s', async (_label, make) => {
      await expect(tokens.authenticate(make())).resolves.toBeNull();
    });
  });

  describe('revocation', () => {
    let revocations: AccessRevocation[];
    let subscription: Subscription;

    beforeEach(() => {
      revocations = [];
      subscription = access.revoked$.subscribe((revocation) => revocations.push(revocation));
    });

    afterEach(() => subscription.unsubscribe());

    it('ends the token at once and tells open streams which credential went', async () => {
      const created = await tokens.create(alice.userId, 'to-revoke');
      await expect(tokens.authenticate(created.token)).resolves.not.toBeNull();
      const announced = firstValueFrom(access.revoked$);
      await tokens.revoke(alice, created.id);
      await expect(announced).resolves.toEqual({ kind: 'credential', credentialId: created.id });
      await expect(tokens.authenticate(created.token)).resolves.toBeNull();
      expect((await tokenRow(created.id)).revoked_at).not.toBeNull();
      expect((await tokens.list(alice.userId)).map((view) => view.id)).not.toContain(created.id);
    });

    it("answers 404 for another user's token, which keeps working, and announces nothing", async () => {
      const bobs = await tokens.create(bob.userId, 'bobs');
      await expect(tokens.revoke(alice, bobs.id)).rejects.toBeInstanceOf(NotFoundException);
      await expect(tokens.authenticate(bobs.token)).resolves.toMatchObject({ userId: bob.userId });
      expect(revocations).toEqual([]);
    });

    it('answers 404 for a token that is already revoked or never existed', async () => {
      const created = await tokens.create(alice.userId, 'twice');
      await tokens.revoke(alice, created.id);
      await expect(tokens.revoke(alice, created.id)).rejects.toBeInstanceOf(NotFoundException);
      await expect(tokens.revoke(alice, 'tok_0000000000000000')).rejects.toBeInstanceOf(NotFoundException);
      expect(revocations).toEqual([{ kind: 'credential', credentialId: created.id }]);
    });
  });
});
