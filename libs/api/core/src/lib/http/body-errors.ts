import { BadRequestException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { ErrorResponse } from '@flowcast/shared-contract';

type WithBodyError = Request & { bodyError?: ErrorResponse };

/**
 * Express error middleware for the JSON body parser. It does not answer at once: it keeps the error on the
 * request, so that the access guard runs first (no credentials is a 401 before anything else) and then
 * answers the 400 through assertBodyAccepted.
 */
export function deferBodyErrors(
  error: { status?: number; type?: string },
  req: Request,
  _res: Response,
  next: NextFunction,
): void {
  if (!error || (error.status !== 400 && error.status !== 413)) return next(error);
  const message =
    error.type === 'entity.too.large' ? 'body must be at most 1 MiB' : 'body must be valid JSON';
  (req as WithBodyError).bodyError = {
    statusCode: 400,
    error: 'Bad Request',
    message,
    fields: [{ field: 'body', errors: [message] }],
  };
  req.body = undefined;
  next();
}

/**
 * Throws the 400 for a body the parser refused (see deferBodyErrors). The global access guard calls it as its
 * last step: a guard rather than an interceptor, because with no global interceptor Nest skips its
 * interceptor pipeline (RxJS wrapping and async-context binding on every request).
 */
export function assertBodyAccepted(req: Request): void {
  const bodyError = (req as WithBodyError).bodyError;
  if (bodyError) throw new BadRequestException(bodyError);
}
