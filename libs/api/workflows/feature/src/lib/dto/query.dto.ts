import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  type ValidationArguments,
} from 'class-validator';
import { LIST_LIMIT, PAGE_LIMIT, parseTypeFilter, TypeFilterError } from '@flowcast/shared-contract';

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

export class CreateWorkflowQueryDto {
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  readonly start?: boolean;
}

export class ListWorkflowsQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(LIST_LIMIT.max)
  readonly limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a nextCursor value from a previous page' })
  readonly cursor?: string;
}

export class EventPageQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  readonly after?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_LIMIT.max)
  readonly limit?: number;
}

/** A page of log lines: after an event (oldest first from there) or, with `before`, the newest lines before one. */
export class LogPageQueryDto extends EventPageQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @ValidateBy({
    name: 'notWithAfter',
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) =>
        (args?.object as { after?: unknown } | undefined)?.after === undefined,
      defaultMessage: () => 'before cannot be combined with after',
    },
  })
  readonly before?: number;
}

/** Why a `types` value is not a type filter, or null when it is one (a non-string is IsString's to report). */
function typeFilterProblem(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    parseTypeFilter(value);
    return null;
  } catch (error) {
    if (error instanceof TypeFilterError) return error.message;
    throw error;
  }
}

/** A `?types=` value parseTypeFilter accepts (CONTRACT §4). */
function IsTypeFilter(): PropertyDecorator {
  return ValidateBy({
    name: 'isTypeFilter',
    validator: {
      validate: (value: unknown) => typeFilterProblem(value) === null,
      defaultMessage: (args?: ValidationArguments) => typeFilterProblem(args?.value) ?? 'types is invalid',
    },
  });
}

/**
 * The event stream's options. `lastEventId` is the resume point for clients that cannot send the
 * `Last-Event-ID` header; a value that is not an id the server issued is a `stream:reset`, not a 400.
 */
export class StreamQueryDto {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  readonly lastEventId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  @IsTypeFilter()
  readonly types?: string;
}

/** The workflows list stream's one option: the resume point for clients that cannot send `Last-Event-ID`. */
export class ListStreamQueryDto {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  readonly lastEventId?: string;
}
