import { get, type IncomingMessage } from 'node:http';
import {
  CallHandler,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Module,
  NestInterceptor,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { CSRF_HEADER, CSRF_HEADER_VALUE, SESSION_COOKIE } from '@flowcast/shared-contract';
import { type InProcessApp, startInProcessApp } from './testing/in-process-app';

/**
 * The event stream is a Nest route like any other: whatever the app adds globally (a guard, an interceptor)
 * applies to it too. Proved with a guard and an interceptor that exist only in this test.
 */

const ADMIN_PASSWORD = 'stream-pipeline-admin-password';
const REFUSE_HEADER = 'x-test-refuse';

/** Refuses every request that carries REFUSE_HEADER: a stand-in for any guard added later. */
@Injectable()
class RefusingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.switchToHttp().getRequest<Request>().headers[REFUSE_HEADER]) {
      throw new ForbiddenException('refused by the test guard');
    }
    return true;
  }
}

/** Marks every response it sees: a stand-in for any interceptor added later. */
@Injectable()
class MarkingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    http.getResponse<Response>().setHeader('X-Test-Intercepted', http.getRequest<Request>().path);
    return next.handle();
  }
}

/** A raw GET that resolves with the status, headers and the first body bytes, then hangs up. */
function openStream(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>(
    (resolve, reject) => {
      const req = get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (res.headers['content-type']?.startsWith('text/event-stream') && !body.includes('retry:'))
            return;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          req.destroy();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
    },
  );
}

describe('the event stream route in Nest’s pipeline', () => {
  let running: InProcessApp;
  let baseUrl: string;
  let auth: Record<string, string>;
  let streamUrl: string;

  beforeAll(async () => {
    running = await startInProcessApp({
      adminPassword: ADMIN_PASSWORD,
      wrap: (appModule) => {
        @Module({
          imports: [appModule],
          providers: [
            { provide: APP_GUARD, useClass: RefusingGuard },
            { provide: APP_INTERCEPTOR, useClass: MarkingInterceptor },
          ],
        })
        class TestAppModule {}
        return TestAppModule;
      },
    });
    baseUrl = running.baseUrl;

    const login = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((header) => header.split(';')[0])
      .find((pair) => pair.startsWith(`${SESSION_COOKIE}=`)) as string;
    auth = { Cookie: cookie };
    const created = await fetch(`${baseUrl}/api/workflows`, {
      method: 'POST',
      headers: { ...auth, [CSRF_HEADER]: CSRF_HEADER_VALUE, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'pipeline',
        agents: [
          { name: 'a', role: 'dev', prompt: 'p', runner: { type: 'simulated', durationMs: 10, cost: 0 } },
        ],
      }),
    });
    expect(created.status).toBe(201);
    streamUrl = `${baseUrl}/api/workflows/${((await created.json()) as { id: string }).id}/stream`;
  });

  afterAll(async () => {
    await running?.close();
  });

  it('is refused by a global guard added to the app, with its JSON error and no stream byte', async () => {
    const refused = await openStream(streamUrl, { ...auth, [REFUSE_HEADER]: '1' });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(refused.body)).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'refused by the test guard',
    });
  });

  it('runs a global interceptor added to the app before the stream starts', async () => {
    const opened = await openStream(streamUrl, auth);
    expect(opened.status).toBe(200);
    expect(opened.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(opened.headers['x-test-intercepted']).toBe(new URL(streamUrl).pathname);
    expect(opened.body).toMatch(/^: connected to workflow wf_\S+\n\nretry: 3000\n\n/);
  });
});
