import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import type { ErrorResponse, FieldError } from '@flowcast/shared-contract';

/** Flattens class-validator's tree into `agents.0.runner.durationMs`-style field paths. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const fields: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      fields.push({
        field,
        errors: Object.values(error.constraints).map((message) =>
          // class-validator names the bare property; name the whole path instead.
          message.startsWith(`${error.property} `)
            ? `${field}${message.slice(error.property.length)}`
            : message,
        ),
      });
    }
    if (error.children?.length) fields.push(...toFieldErrors(error.children, field));
  }
  return fields;
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
