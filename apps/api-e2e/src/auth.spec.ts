import { request as httpRequest } from 'node:http';
import type {
  AuthUserResponse,
  CreateTokenResponse,
  ErrorResponse,
  UserView,
  WorkflowListResponse,
} from '@flowcast/shared-contract';
import {
  ADMIN_PASSWORD,
  ApiClient,
  removeDir,
  RunningServer,
  simulatedAgent,
  SseReader,
  startServer,
} from '@flowcast/testing-e2e';

const CSRF = { 'X-Requested-With': 'flowcast' };

async function login(server: RunningServer, username: string, password: string) {
  const anonymous = new ApiClient(server.url);
  const response = await anonymous.request<AuthUserResponse>('POST', '/api/auth/login', {
    username,
    password,
  });
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { response, setCookie, cookie: setCookie.split(';')[0] };
}

function definition(name = 'owned') {
  return { name, agents: [simulatedAgent('a', { durationMs: 20_000, progressMessages: 20 })] };
}

describe('access control', () => {
  let server: RunningServer;
  let admin: ApiClient;
  let anonymous: ApiClient;
  let alice: ApiClient;
  let bob: ApiClient;

  beforeAll(async () => {
    server = await startServer({ env: { SSE_MAX_STREAMS_PER_USER: '3', SSE_HEARTBEAT_MS: '500' } });
    admin = server.api;
    anonymous = new ApiClient(server.url);
    for (const name of ['alice', 'bob']) {
      const created = await admin.request('POST', '/api/users', {
        username: name,
        password: `${name}-password`,
        role: 'member',
      });
      expect(created.status).toBe(201);
    }
    alice = await ApiClient.asUser(server.url, 'alice', 'alice-password');
    bob = await ApiClient.asUser(server.url, 'bob', 'bob-password');
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  describe('POST /api/auth/login', () => {
    it('sets an httpOnly, SameSite=Strict session cookie and answers the user', async () => {
      const { response, setCookie } = await login(server, 'admin', ADMIN_PASSWORD);
      expect(response.status).toBe(200);
      expect(response.body.user).toMatchObject({ username: 'admin', role: 'admin' });
      expect(setCookie).toMatch(/^flowcast_session=[A-Za-z0-9_-]{43};/);
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      expect(setCookie).toMatch(/Path=\//);
      // Plain HTTP with COOKIE_SECURE=auto: no Secure flag (it would never be sent back).
      expect(setCookie).not.toMatch(/Secure/);
    });

    it('answers 401 alike for a wrong password and an unknown user', async () => {
      const wrong = await login(server, 'admin', 'not-the-password');
      const unknown = await login(server, 'nobody-at-all', 'whatever-password');
      expect(wrong.response.status).toBe(401);
      expect(unknown.response.status).toBe(401);
      expect(wrong.response.body).toEqual(unknown.response.body);
      expect(wrong.setCookie).toBe('');
    });

    it('answers a malformed JSON body with a 400 naming the body, and sets no cookie', async () => {
      const anonymous = new ApiClient(server.url);
      const response = await anonymous.request<ErrorResponse>('POST', '/api/auth/login', '{"username": ');
      expect(response.status).toBe(400);
      expect(response.body.fields?.[0].field).toBe('body');
      expect(response.headers.get('set-cookie')).toBeNull();
    });
  });

  describe('sessions', () => {
    it('lets the cookie in, asks for the CSRF header on state changes, and logout revokes it server-side', async () => {
      const { cookie } = await login(server, 'alice', 'alice-password');
      const me = await anonymous.request<AuthUserResponse>('GET', '/api/auth/me', undefined, {
        Cookie: cookie,
      });
      expect(me).toMatchObject({ status: 200, body: { user: { username: 'alice', role: 'member' } } });

      const noHeader = await anonymous.request('POST', '/api/workflows', definition(), { Cookie: cookie });
      expect(noHeader.status).toBe(403);
      const withHeader = await anonymous.request('POST', '/api/workflows', definition(), {
        Cookie: cookie,
        ...CSRF,
      });
      expect(withHeader.status).toBe(201);

      const logout = await anonymous.request('POST', '/api/auth/logout', undefined, {
        Cookie: cookie,
        ...CSRF,
      });
      expect(logout.status).toBe(204);
      expect(logout.headers.get('set-cookie')).toMatch(/flowcast_session=;.*Expires=Thu, 01 Jan 1970/);
      // The old cookie no longer works, even if the browser kept it.
      expect((await anonymous.request('GET', '/api/auth/me', undefined, { Cookie: cookie })).status).toBe(
        401,
      );
    });

    it('does not ask bearer requests for the CSRF header', async () => {
      expect((await alice.request('POST', '/api/workflows', definition())).status).toBe(201);
    });

    it('refuses a forged session cookie', async () => {
      const forged = `flowcast_session=${'A'.repeat(43)}`;
      expect((await anonymous.request('GET', '/api/auth/me', undefined, { Cookie: forged })).status).toBe(
        401,
      );
    });
  });

  describe('API tokens', () => {
    it('shows a token once, lists it without its secret, and stops accepting it once revoked', async () => {
      const created = await alice.request<CreateTokenResponse>('POST', '/api/auth/tokens', { name: 'ci' });
      expect(created.status).toBe(201);
      expect(created.body.token).toMatch(/^fct_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
      const bearer = { Authorization: `Bearer ${created.body.token}` };
      expect((await anonymous.request('GET', '/api/auth/me', undefined, bearer)).status).toBe(200);

      const list = await alice.request<{ items: Record<string, unknown>[] }>('GET', '/api/auth/tokens');
      const listed = list.body.items.find((item) => item['id'] === created.body.id);
      expect(listed).toMatchObject({ name: 'ci' });
      expect(JSON.stringify(list.body)).not.toContain(created.body.token.split('.')[1]);

      // Someone else cannot revoke it (and cannot tell it exists).
      expect((await bob.request('DELETE', `/api/auth/tokens/${created.body.id}`)).status).toBe(404);
      expect((await alice.request('DELETE', `/api/auth/tokens/${created.body.id}`)).status).toBe(204);
      expect((await anonymous.request('GET', '/api/auth/me', undefined, bearer)).status).toBe(401);
    });

    it('refuses forged tokens and any token in the query string', async () => {
      const created = await alice.request<CreateTokenResponse>('POST', '/api/auth/tokens', { name: 'query' });
      const [idPart] = created.body.token.split('.');
      for (const token of [
        `${idPart}.${'x'.repeat(43)}`,
        'fct_0000000000000000.' + 'y'.repeat(43),
        'garbage',
      ]) {
        expect(
          (await anonymous.request('GET', '/api/auth/me', undefined, { Authorization: `Bearer ${token}` }))
            .status,
        ).toBe(401);
      }
      const inQuery = await anonymous.request(
        'GET',
        `/api/auth/me?access_token=${encodeURIComponent(created.body.token)}`,
      );
      expect(inQuery.status).toBe(401);
      const both = await anonymous.request('GET', `/api/workflows?access_token=x`, undefined, {
        Authorization: `Bearer ${created.body.token}`,
      });
      expect(both.status).toBe(401);
    });
  });

  describe('users', () => {
    it('lets only an admin create users, refusing duplicates and bad roles', async () => {
      expect(
        (
          await alice.request('POST', '/api/users', {
            username: 'carol',
            password: 'carol-password',
            role: 'member',
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await anonymous.request('POST', '/api/users', {
            username: 'carol',
            password: 'carol-password',
            role: 'member',
          })
        ).status,
      ).toBe(401);
      const created = await admin.request<UserView>('POST', '/api/users', {
        username: 'carol',
        password: 'carol-password',
        role: 'member',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ username: 'carol', role: 'member' });
      expect(JSON.stringify(created.body)).not.toMatch(/password|scrypt/);
      expect(
        (
          await admin.request('POST', '/api/users', {
            username: 'carol',
            password: 'carol-password',
            role: 'member',
          })
        ).status,
      ).toBe(409);
      const badRole = await admin.request<ErrorResponse>('POST', '/api/users', {
        username: 'dave',
        password: 'dave-password',
        role: 'root',
      });
      expect(badRole.status).toBe(400);
      expect(badRole.body.fields?.[0].field).toBe('role');
      expect((await alice.request('GET', '/api/users')).status).toBe(403);
    });
  });

  describe('workflow ownership', () => {
    it('hides a member’s workflow from other members exactly as a missing one, and shows every workflow to an admin', async () => {
      const mine = await alice.create(definition('alice-only'));
      const missing = 'wf_AAAAAAAAAAAAAAAA';
      for (const [method, suffix] of [
        ['GET', ''],
        ['GET', '/logs'],
        ['GET', '/events'],
        ['GET', '/stream'],
        ['POST', '/start'],
        ['POST', '/cancel'],
      ] as const) {
        const theirs = await bob.request(method, `/api/workflows/${mine.id}${suffix}`);
        const absent = await bob.request(method, `/api/workflows/${missing}${suffix}`);
        expect([suffix, theirs.status]).toEqual([suffix, 404]);
        expect(theirs.body).toEqual(absent.body);
      }
      const bobsList = await bob.request<WorkflowListResponse>('GET', '/api/workflows?limit=200');
      expect(bobsList.body.items.map((item) => item.id)).not.toContain(mine.id);
      const alicesList = await alice.request<WorkflowListResponse>('GET', '/api/workflows?limit=200');
      expect(alicesList.body.items.map((item) => item.id)).toContain(mine.id);
      const adminList = await admin.request<WorkflowListResponse>('GET', '/api/workflows?limit=200');
      expect(adminList.body.items.map((item) => item.id)).toContain(mine.id);
      expect((await admin.request('GET', `/api/workflows/${mine.id}`)).status).toBe(200);
    });

    it('answers 401 before anything else when no credentials are sent', async () => {
      for (const [method, path] of [
        ['GET', '/api/workflows'],
        ['GET', '/api/workflows/12'],
        ['GET', '/api/workflows/wf_AAAAAAAAAAAAAAAA/stream'],
        ['POST', '/api/workflows'],
        ['GET', '/api/auth/me'],
      ] as const) {
        const response = await anonymous.request<ErrorResponse>(
          method,
          path,
          method === 'POST' ? { bad: true } : undefined,
        );
        expect([path, response.status]).toEqual([path, 401]);
      }
    });
  });

  describe('stream limits', () => {
    it('answers 429 with Retry-After past SSE_MAX_STREAMS_PER_USER and frees the slot when a client vanishes', async () => {
      const workflow = await bob.create(definition('limits'));
      const path = `/api/workflows/${workflow.id}/stream`;
      const open = Array.from({ length: 3 }, () => bob.stream(path));
      await Promise.all(open.map((reader) => reader.waitFor((r) => r.events.length >= 2)));
      const refused = bob.stream(path);
      await refused.done;
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(refused.headers['content-type']).toMatch(/application\/json/);
      expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 429 });
      // Another user is not affected by bob's count.
      const other = alice.stream(`/api/workflows/${(await alice.create(definition('other'))).id}/stream`);
      await other.waitFor((r) => r.status === 200);
      other.close();

      // Kill one client without a clean close (RST): the server notices and frees the slot.
      open[0].res?.socket?.resetAndDestroy();
      await open[0].done;
      let admitted: SseReader | undefined;
      const deadline = Date.now() + 5_000;
      while (!admitted && Date.now() < deadline) {
        const attempt = bob.stream(path);
        await attempt.waitFor((r) => r.status !== 0 || r.ended);
        if (attempt.status === 200) admitted = attempt;
        else await attempt.done;
      }
      expect(admitted?.status).toBe(200);
      admitted?.close();
      open.slice(1).forEach((reader) => reader.close());
    });
  });

  describe('revocation while streaming', () => {
    async function expectClosedWithin(reader: SseReader, revoke: () => Promise<unknown>) {
      await reader.waitFor((r) => r.events.length >= 2);
      const started = Date.now();
      await revoke();
      await reader.done;
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(reader.items[reader.items.length - 1]).toMatchObject({ kind: 'retry' });
    }

    it('ends a cookie stream on logout', async () => {
      const { cookie } = await login(server, 'alice', 'alice-password');
      const workflow = await alice.create(definition('logout'));
      const reader = new SseReader(`${server.url}/api/workflows/${workflow.id}/stream`, { Cookie: cookie });
      await expectClosedWithin(reader, () =>
        anonymous.request('POST', '/api/auth/logout', undefined, { Cookie: cookie, ...CSRF }),
      );
      const again = new SseReader(`${server.url}/api/workflows/${workflow.id}/stream`, { Cookie: cookie });
      await again.done;
      expect(again.status).toBe(401);
    });

    it('ends a bearer stream when its token is revoked', async () => {
      const token = await alice.request<CreateTokenResponse>('POST', '/api/auth/tokens', {
        name: 'revoke-me',
      });
      const workflow = await alice.create(definition('token'));
      const reader = new SseReader(`${server.url}/api/workflows/${workflow.id}/stream`, {
        Authorization: `Bearer ${token.body.token}`,
      });
      await expectClosedWithin(reader, () => alice.request('DELETE', `/api/auth/tokens/${token.body.id}`));
    });

    it('ends a user’s streams when the user is removed or their role changes', async () => {
      const created = await admin.request<UserView>('POST', '/api/users', {
        username: 'erin',
        password: 'erin-password',
        role: 'member',
      });
      const erin = await ApiClient.asUser(server.url, 'erin', 'erin-password');
      const workflow = await erin.create(definition('erin'));
      await expectClosedWithin(erin.stream(`/api/workflows/${workflow.id}/stream`), () =>
        admin.request('PATCH', `/api/users/${created.body.id}`, { role: 'admin' }),
      );
      await expectClosedWithin(erin.stream(`/api/workflows/${workflow.id}/stream`), () =>
        admin.request('DELETE', `/api/users/${created.body.id}`),
      );
      expect((await erin.request('GET', '/api/auth/me')).status).toBe(401);
    });
  });

  it('never writes a password, token or cookie to its log', () => {
    const output = server.output();
    for (const secret of [ADMIN_PASSWORD, 'alice-password', 'bob-password', 'fct_', 'flowcast_session=']) {
      expect(output).not.toContain(secret);
    }
  });
});

describe('failed-login limits', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  it('answers 429 with Retry-After after 10 failures for one username, even with the right password', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await login(server, 'admin', `wrong-${i}`)).response.status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    const right = await login(server, 'admin', ADMIN_PASSWORD);
    expect(right.response.status).toBe(429);
    expect(Number(right.response.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers 429 after 50 failures from one address, whatever the username', async () => {
    // 11 failures already came from this address in the test above.
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++)
      statuses.push((await login(server, `someone-${i}`, 'wrong-password')).response.status);
    expect(statuses.slice(0, 39)).toEqual(Array(39).fill(401));
    expect(statuses[39]).toBe(429);
    expect((await login(server, 'another-user', 'wrong-password')).response.status).toBe(429);
  });
});

describe('cookie and CORS settings', () => {
  it('marks the cookie Secure with COOKIE_SECURE=always and allows credentials only from CORS_ORIGINS', async () => {
    const server = await startServer({
      env: { COOKIE_SECURE: 'always', CORS_ORIGINS: 'https://console.example.com' },
    });
    try {
      const { setCookie, cookie } = await login(server, 'admin', ADMIN_PASSWORD);
      expect(setCookie).toMatch(/; Secure/);
      /** The answer's status and headers (the body is not read: a stream stays open). */
      const headersOf = (method: string, path: string, headers: Record<string, string>) =>
        new Promise<{ status?: number; headers: Record<string, string | string[] | undefined> }>(
          (resolve, reject) => {
            const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
              resolve({ status: res.statusCode, headers: res.headers });
              res.destroy();
            });
            req.on('error', reject);
            req.end();
          },
        );
      const preflight = async (origin: string) =>
        (
          await headersOf('OPTIONS', '/api/workflows', {
            Origin: origin,
            'Access-Control-Request-Method': 'GET',
          })
        ).headers;
      const allowed = await preflight('https://console.example.com');
      expect(allowed['access-control-allow-origin']).toBe('https://console.example.com');
      expect(allowed['access-control-allow-credentials']).toBe('true');
      const refused = await preflight('https://evil.example.net');
      expect(refused['access-control-allow-origin']).toBeUndefined();
      // The event stream (served ahead of Express) answers with the same policy.
      const workflow = await server.api.create(definition('cors'));
      const stream = (origin: string) =>
        headersOf('GET', `/api/workflows/${workflow.id}/stream`, { Origin: origin, Cookie: cookie });
      const streamAllowed = await stream('https://console.example.com');
      expect(streamAllowed.status).toBe(200);
      expect(streamAllowed.headers['access-control-allow-origin']).toBe('https://console.example.com');
      expect(streamAllowed.headers['access-control-allow-credentials']).toBe('true');
      const streamRefused = await stream('https://evil.example.net');
      expect(streamRefused.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await server.stop();
      removeDir(server.dataDir);
    }
  });

  it('refuses to start with a wildcard CORS origin', async () => {
    await expect(startServer({ env: { CORS_ORIGINS: '*' } })).rejects.toThrow(/CORS_ORIGINS/);
  });

  it('expires an idle session after SESSION_IDLE_MS', async () => {
    const server = await startServer({ env: { SESSION_IDLE_MS: '1000' } });
    try {
      const { cookie } = await login(server, 'admin', ADMIN_PASSWORD);
      const anonymous = new ApiClient(server.url);
      expect((await anonymous.request('GET', '/api/auth/me', undefined, { Cookie: cookie })).status).toBe(
        200,
      );
      // Session expiry is a matter of elapsed time: there is no event to wait for.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect((await anonymous.request('GET', '/api/auth/me', undefined, { Cookie: cookie })).status).toBe(
        401,
      );
    } finally {
      await server.stop();
      removeDir(server.dataDir);
    }
  });
});
