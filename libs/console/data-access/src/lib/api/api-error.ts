import { HttpErrorResponse } from '@angular/common/http';
import type { ErrorResponse } from '@flowcast/shared-contract';

/**
 * What to tell the user about a failed API call: the server's own JSON `message` (it names the field or
 * the conflict, e.g. "User ann already exists"), else `fallback`.
 */
export function apiErrorMessage(error: unknown, fallback: string): string {
  if (error instanceof HttpErrorResponse) {
    const body = error.error as Partial<ErrorResponse> | null;
    if (typeof body?.message === 'string' && body.message) return body.message;
    if (error.status === 0) return `${fallback} The server could not be reached.`;
  }
  return fallback;
}
