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
