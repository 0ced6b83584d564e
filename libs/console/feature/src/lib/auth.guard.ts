import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { AuthService } from '@flowcast/console-data-access';

/** Pages behind a sign-in: asks the server who is signed in (the session cookie is httpOnly) once. */
export const signedInGuard: CanActivateFn = async (_route, state) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  if (auth.user() ?? (await auth.me())) return true;
  return router.createUrlTree(['/login'], { queryParams: { returnUrl: state.url } });
};

/** Admin-only pages: anyone else lands on `redirectTo` (the server would refuse their every call anyway). */
export const adminGuard =
  (redirectTo: string): CanActivateFn =>
  async () => {
    const auth = inject(AuthService);
    const router = inject(Router);
    const user = auth.user() ?? (await auth.me());
    return user?.role === 'admin' || router.parseUrl(redirectTo);
  };
