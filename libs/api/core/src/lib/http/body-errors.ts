import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Observable } from 'rxjs';
import type { ErrorResponse } from '@flowcast/shared-contract';

type WithBodyError = Request & { bodyError?: ErrorResponse };

/**
 * Express error middleware for the JSON body parser. It does not answer at once: it keeps the error on the
 * request, so that the access guard runs first (no credentials is a 401 before anything else), and
 * BodyErrorInterceptor then answers the 400.
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

/** Answers a body the parser refused (see deferBodyErrors) with a 400, after the guards have run. */
@Injectable()
export class BodyErrorInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const bodyError = context.switchToHttp().getRequest<WithBodyError>().bodyError;
    if (bodyError) throw new BadRequestException(bodyError);
    return next.handle();
  }
}
