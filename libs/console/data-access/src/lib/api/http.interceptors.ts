import {
  HttpErrorResponse,
  provideHttpClient,
  withFetch,
  withInterceptors,
  type HttpInterceptorFn,
} from '@angular/common/http';
import { inject, type EnvironmentProviders } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';
import { authPaths, CSRF_HEADER, CSRF_HEADER_VALUE } from '@flowcast/shared-contract';

const SAFE_METHODS = new Set(['GET', 'HEAD']);
/** Their 401 is an answer (wrong password, nobody signed in), not an expired session. */
const AUTH_PROBES = new Set<string>([authPaths.login, authPaths.me]);

/** Only the console's own API, addressed relatively: the header is never sent to another origin. */
function isApiUrl(url: string): boolean {
  return url.startsWith('/api/');
}

function pathOf(url: string): string {
  return url.split(/[?#]/, 1)[0];
}

/** The session cookie's CSRF guard (CONTRACT §2): state-changing API requests carry `X-Requested-With`. */
export const csrfInterceptor: HttpInterceptorFn = (req, next) => {
  if (!isApiUrl(req.url) || SAFE_METHODS.has(req.method.toUpperCase())) return next(req);
  return next(req.clone({ setHeaders: { [CSRF_HEADER]: CSRF_HEADER_VALUE } }));
};

/** A 401 from the API means the session has ended: sign in again and come back here. */
export const unauthorizedInterceptor: HttpInterceptorFn = (req, next) => {
  const router = inject(Router);
  return next(req).pipe(
    catchError((error: unknown) => {
      if (
        error instanceof HttpErrorResponse &&
        error.status === 401 &&
        isApiUrl(req.url) &&
        !AUTH_PROBES.has(pathOf(req.url))
      ) {
        const returnUrl = router.url;
        if (!pathOf(returnUrl).startsWith('/login')) {
          void router.navigate(['/login'], { queryParams: { returnUrl } });
        }
      }
      return throwError(() => error);
    }),
  );
};

/** The console's HttpClient: fetch-based, with the CSRF header and the sign-in redirect. */
export function provideConsoleHttp(): EnvironmentProviders {
  return provideHttpClient(withFetch(), withInterceptors([csrfInterceptor, unauthorizedInterceptor]));
}
