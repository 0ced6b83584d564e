import { ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import type { ErrorResponse } from '@flowcast/shared-contract';
import { isStoreUnavailable } from '../database/store-faults';

/** Seconds a client is asked to wait before trying again while the store is away. */
const RETRY_AFTER_SECONDS = 5;

/** The answer to any request the store could not serve because it is down, full or read-only. */
export const STORE_UNAVAILABLE_RESPONSE: ErrorResponse = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'the store is unavailable; try again shortly',
};

/**
 * A request that failed because the store is unavailable (see isStoreUnavailable) is a 503 with
 * Retry-After, not a 500: the request was fine and may be sent again. Every other error goes on to Nest's
 * own handling (the domain filters registered after this one are asked first).
 */
@Catch()
export class StoreUnavailableFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('Store');

  override catch(error: unknown, host: ArgumentsHost): void {
    if (!isStoreUnavailable(error) || host.getType() !== 'http') {
      super.catch(error, host);
      return;
    }
    this.logger.warn(`A request failed with the store unavailable: ${(error as Error).message}`);
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(503).json(STORE_UNAVAILABLE_RESPONSE);
  }
}
