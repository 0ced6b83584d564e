import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { UserView } from '@flowcast/shared-contract';
import { AuthService } from './auth.service';

const ADA: UserView = { id: 'usr_1', username: 'ada', role: 'admin' };
const BOB: UserView = { id: 'usr_2', username: 'bob', role: 'member' };

describe('AuthService', () => {
  let auth: AuthService;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    auth = TestBed.inject(AuthService);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('signs in with POST /api/auth/login and remembers the user', async () => {
    const signedIn = auth.login('ada', 'secret');
    const request = backend.expectOne({ method: 'POST', url: '/api/auth/login' });
    expect(request.request.body).toEqual({ username: 'ada', password: 'secret' });
    request.flush({ user: ADA });

    await expect(signedIn).resolves.toEqual(ADA);
    expect(auth.user()).toEqual(ADA);
    expect(auth.isAdmin()).toBe(true);
  });

  it('rejects wrong credentials and stays signed out', async () => {
    const signedIn = auth.login('ada', 'wrong');
    backend.expectOne('/api/auth/login').flush(null, { status: 401, statusText: 'Unauthorized' });

    await expect(signedIn).rejects.toMatchObject({ status: 401 });
    expect(auth.user()).toBeNull();
  });

  it('asks the server who is signed in', async () => {
    const me = auth.me();
    backend.expectOne({ method: 'GET', url: '/api/auth/me' }).flush({ user: BOB });

    await expect(me).resolves.toEqual(BOB);
    expect(auth.isAdmin()).toBe(false);
  });

  it('answers null when nobody is signed in (401)', async () => {
    auth.user.set(ADA);
    const me = auth.me();
    backend.expectOne('/api/auth/me').flush(null, { status: 401, statusText: 'Unauthorized' });

    await expect(me).resolves.toBeNull();
    expect(auth.user()).toBeNull();
  });

  it('passes on any other failure of /api/auth/me', async () => {
    const me = auth.me();
    backend.expectOne('/api/auth/me').flush(null, { status: 503, statusText: 'Service Unavailable' });
    await expect(me).rejects.toMatchObject({ status: 503 });
  });

  it('signs out with POST /api/auth/logout and forgets the user, even if the session had already gone', async () => {
    auth.user.set(ADA);
    const out = auth.logout();
    backend
      .expectOne({ method: 'POST', url: '/api/auth/logout' })
      .flush(null, { status: 401, statusText: 'Unauthorized' });

    await expect(out).resolves.toBeUndefined();
    expect(auth.user()).toBeNull();
  });
});
