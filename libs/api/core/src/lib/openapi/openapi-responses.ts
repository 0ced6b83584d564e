import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiResponse } from '@nestjs/swagger';
import { type ContractSchemaName, SCHEMA_REF_PREFIX } from '@flowcast/shared-contract';

/**
 * Response and body decorators that point at the contract's schemas (`components.schemas`, filled from
 * shared-contract's CONTRACT_SCHEMAS): the contract types are interfaces, so no class can describe them;
 * the schemas are written once, next to the types, and referenced from here.
 */

export const contractRef = (name: ContractSchemaName) => ({ $ref: `${SCHEMA_REF_PREFIX}${name}` });

/** A JSON answer of one of the contract's types. */
export const ApiJsonResponse = (status: number, name: ContractSchemaName, description: string) =>
  ApiResponse({ status, description, content: { 'application/json': { schema: contractRef(name) } } });

/** A JSON request body of one of the contract's types (where no DTO class describes it). */
export const ApiJsonBody = (name: ContractSchemaName) => ApiBody({ schema: contractRef(name) });

/** An answer with no body. */
export const ApiEmptyResponse = (status: number, description: string) => ApiResponse({ status, description });

/** What each error status means on this API (CONTRACT §2–§4); `{ statusCode, error, message, fields? }`. */
const ERROR_MEANINGS = {
  400: 'Bad input: the offending fields are named in `fields`',
  401: 'No valid credentials',
  403: 'Authenticated, but not allowed (an admin-only route, or an admin-only runner)',
  404: 'Not found, or not the caller’s (existence does not leak)',
  409: 'The resource is not in a state that allows this',
  429: 'Too many requests: retry after `Retry-After` seconds',
  503: 'A dependency is unavailable',
} as const;

export type ErrorStatus = keyof typeof ERROR_MEANINGS;

export const ApiErrorResponses = (...statuses: ErrorStatus[]) =>
  applyDecorators(
    ...statuses.map((status) => ApiJsonResponse(status, 'ErrorResponse', ERROR_MEANINGS[status])),
  );

/** The 401 every guarded operation may answer: added to the document for each, not decorated one by one. */
export const UNAUTHORIZED_RESPONSE = {
  description: ERROR_MEANINGS[401],
  content: { 'application/json': { schema: contractRef('ErrorResponse') } },
};
