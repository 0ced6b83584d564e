import { ApiPropertyOptional } from '@nestjs/swagger';
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
  @ApiPropertyOptional({ type: Boolean, description: 'Start it at once' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  readonly start?: boolean;
}

export class ListWorkflowsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: LIST_LIMIT.max, default: LIST_LIMIT.default })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(LIST_LIMIT.max)
  readonly limit?: number;

  @ApiPropertyOptional({ maxLength: 200, description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a nextCursor value from a previous page' })
  readonly cursor?: string;
}

export class EventPageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Continue after this event id' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  readonly after?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: PAGE_LIMIT.max,
    default: PAGE_LIMIT.default,
    description: 'Events, or log lines for the logs (a page never splits an event’s lines)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_LIMIT.max)
  readonly limit?: number;
}

/** A page of log lines: after an event (oldest first from there) or, with `before`, the newest lines before one. */
export class LogPageQueryDto extends EventPageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'Instead of `after`: the newest lines before this event id',
  })
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

const LAST_EVENT_ID_QUERY = {
  maxLength: 100,
  description: 'Resume after this id, for clients that cannot send `Last-Event-ID` (the header wins)',
};

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
  @ApiPropertyOptional(LAST_EVENT_ID_QUERY)
  @IsOptional()
  @IsString()
  @MaxLength(100)
  readonly lastEventId?: string;

  @ApiPropertyOptional({
    maxLength: 1_000,
    example: 'agent:*,workflow:completed',
    description: 'Only these event types (a trailing `*` matches a prefix); snapshot events are always sent',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1_000)
  @IsTypeFilter()
  readonly types?: string;
}

/** The workflows list stream's one option: the resume point for clients that cannot send `Last-Event-ID`. */
export class ListStreamQueryDto {
  @ApiPropertyOptional(LAST_EVENT_ID_QUERY)
  @IsOptional()
  @IsString()
  @MaxLength(100)
  readonly lastEventId?: string;
}
