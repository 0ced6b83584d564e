import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import type { ErrorResponse, FieldError } from '@flowcast/shared-contract';

/** Flattens class-validator's tree into `agents.0.runner.durationMs`-style field paths. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const fields: FieldError[] = [];
  for (const error of errors) {
    // A key the client sent may be anything: one that is not a plain name is shown quoted (`""`, `" "`).
    const property = /^[\w$-]+$/.test(error.property) ? error.property : JSON.stringify(error.property);
    const field = parent ? `${parent}.${property}` : property;
    const messages = Object.entries(error.constraints ?? {})
      // A nested value of an unknown kind is already reported by its own check (e.g. the runner type).
      .filter(([key]) => key !== 'unknownValue' || Object.keys(error.constraints ?? {}).length === 1)
      .map(([key, message]) => namePath(key, message, property, field));
    if (messages.length > 0) fields.push({ field, errors: messages });
    if (error.children?.length) fields.push(...toFieldErrors(error.children, field));
  }
  return fields;
}

/** class-validator names the bare property; name the whole path instead (`agents.0.runner.speed`). */
function namePath(key: string, message: string, property: string, field: string): string {
  if (key === 'whitelistValidation') return `${field} is not an allowed field`;
  if (message.startsWith(`${property} `) || message.startsWith(`${property}.`)) {
    return `${field}${message.slice(property.length)}`;
  }
  return message;
}

export function badRequest(fields: FieldError[]): BadRequestException {
  const body: ErrorResponse = {
    statusCode: 400,
    error: 'Bad Request',
    message: fields.flatMap((field) => field.errors).join('; '),
    fields,
  };
  return new BadRequestException(body);
}

/** The one global pipe: strips nothing silently (unknown fields are refused), converts query strings. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => badRequest(toFieldErrors(errors)),
  });
}
