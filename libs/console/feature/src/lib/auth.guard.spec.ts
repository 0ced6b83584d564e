import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import {
  provideRouter,
  Router,
  type ActivatedRouteSnapshot,
  type RouterStateSnapshot,
  UrlTree,
} from '@angular/router';
import { AuthService } from '@flowcast/console-data-access';
import type { UserView } from '@flowcast/shared-contract';
import { adminGuard } from './auth.guard';

describe('adminGuard', () => {
  const guard = adminGuard('/settings/tokens');
  const run = () =>
    TestBed.runInInjectionContext(() =>
      guard({} as ActivatedRouteSnapshot, { url: '/settings/users' } as RouterStateSnapshot),
    ) as Promise<boolean | UrlTree>;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()],
    });
  });

  const signedIn = (user: UserView) => TestBed.inject(AuthService).user.set(user);
  const url = (result: boolean | UrlTree) =>
    result instanceof UrlTree ? TestBed.inject(Router).serializeUrl(result) : result;

  it('lets an admin in', async () => {
    signedIn({ id: 'usr_1', username: 'ada', role: 'admin' });
    expect(await run()).toBe(true);
  });

  it('sends a member to the redirect', async () => {
    signedIn({ id: 'usr_2', username: 'bob', role: 'member' });
    expect(url(await run())).toBe('/settings/tokens');
  });

  it('asks the server who is signed in when nobody is known yet', async () => {
    const result = run();
    TestBed.inject(HttpTestingController)
      .expectOne('/api/auth/me')
      .flush({ user: { id: 'usr_2', username: 'bob', role: 'member' } });
    expect(url(await result)).toBe('/settings/tokens');
  });
});
