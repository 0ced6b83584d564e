import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  Matches,
  ArrayMinSize,
  ArrayUnique,
  Equals,
  IsArray,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import {
  AGENT_FAILURE_POLICIES,
  RUNNER_TYPES,
  type AgentDefinition,
  type AgentFailurePolicy,
  type ClaudeCodeRunnerDefinition,
  type RunnerType,
  type ShellRunnerDefinition,
  type SimulatedRunnerDefinition,
  type WorkflowDefinition,
} from '@flowcast/shared-contract';
const finite = { allowNaN: false, allowInfinity: false };

/** Names the runner type problem itself, before class-transformer picks a subtype by it. */
function IsKnownRunner(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isKnownRunner',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `$property.type must be one of the following values: ${RUNNER_TYPES.join(', ')}`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          RUNNER_TYPES.includes((value as { type?: unknown }).type as RunnerType),
      },
    });
}

export class SimulatedRunnerDto implements SimulatedRunnerDefinition {
  @ApiProperty({ enum: ['simulated'] })
  @Equals('simulated')
  readonly type!: 'simulated';

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 86_400_000,
    description: 'How long the agent runs',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  readonly durationMs?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1_000_000,
    description: 'What it costs in US dollars, accrued evenly',
  })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(1_000_000)
  readonly cost?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 1_000_000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  readonly progressMessages?: number;

  @ApiPropertyOptional({ description: 'Fail at the end instead of completing' })
  @IsOptional()
  @IsBoolean()
  readonly fail?: boolean;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 100,
    description: 'Fail in iterations 1 … N only',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  readonly failIterations?: number;

  @ApiPropertyOptional({ maxLength: 100_000 })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  readonly output?: string;
}

/** Environment variable names a shell step may set (the server's own variables are never passed on). */
function IsEnvMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isEnvMap',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must map variable names ([A-Za-z_][A-Za-z0-9_]*) to strings, at most 100 of them',
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 100 &&
          Object.entries(value).every(
            ([name, text]) =>
              /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && typeof text === 'string' && text.length <= 10_000,
          ),
      },
    });
}

export class ShellRunnerDto implements ShellRunnerDefinition {
  @ApiProperty({ enum: ['shell'], description: 'Admins only' })
  @Equals('shell')
  readonly type!: 'shell';

  @ApiProperty({ minLength: 1, maxLength: 4_096, description: 'Run without a shell' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4_096)
  readonly command!: string;

  @ApiPropertyOptional({ type: [String], maxItems: 1_000 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1_000)
  @IsString({ each: true })
  @MaxLength(100_000, { each: true })
  readonly args?: string[];

  @ApiPropertyOptional({ minLength: 1, maxLength: 4_096 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4_096)
  readonly cwd?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Added to a small allowlist of the server’s environment (at most 100 names)',
  })
  @IsOptional()
  @IsEnvMap()
  readonly env?: Record<string, string>;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 7 * 86_400_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(7 * 86_400_000)
  readonly timeoutMs?: number;
}

export class ClaudeCodeRunnerDto implements ClaudeCodeRunnerDefinition {
  @ApiProperty({ enum: ['claude-code'] })
  @Equals('claude-code')
  readonly type!: 'claude-code';

  @ApiPropertyOptional({ pattern: '^[A-Za-z0-9._:-]{1,100}$' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,100}$/, { message: 'model must be a model name such as claude-sonnet-4-5' })
  readonly model?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 100 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9_.:()*, /-]{1,200}$/, { each: true, message: 'allowedTools must be tool names' })
  readonly allowedTools?: string[];

  @ApiPropertyOptional({ minLength: 1, maxLength: 4_096 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4_096)
  readonly cwd?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000)
  readonly maxTurns?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 7 * 86_400_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(7 * 86_400_000)
  readonly timeoutMs?: number;
}

const RUNNER_DTOS: Record<RunnerType, new () => object> = {
  simulated: SimulatedRunnerDto,
  shell: ShellRunnerDto,
  'claude-code': ClaudeCodeRunnerDto,
};

/**
 * The runner's DTO picked by its `type`. Not class-transformer's discriminator: that one throws on a runner
 * given as an array holding null (a 500 instead of a 400, found by fuzzing); anything that is not an
 * object is left as it is, for `@IsObject` to refuse.
 */
function toRunnerDto(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const type = (value as { type?: unknown }).type;
  return RUNNER_TYPES.includes(type as RunnerType)
    ? plainToInstance(RUNNER_DTOS[type as RunnerType], value)
    : value;
}

@ApiExtraModels(SimulatedRunnerDto, ShellRunnerDto, ClaudeCodeRunnerDto)
export class AgentDefinitionDto implements AgentDefinition {
  @ApiProperty({ minLength: 1, maxLength: 100, description: 'Unique within the workflow' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  readonly name!: string;

  @ApiProperty({ minLength: 1, maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  readonly role!: string;

  @ApiProperty({ maxLength: 200_000 })
  @IsString()
  @MaxLength(200_000)
  readonly prompt!: string;

  @ApiProperty({
    oneOf: [
      { $ref: getSchemaPath(SimulatedRunnerDto) },
      { $ref: getSchemaPath(ShellRunnerDto) },
      { $ref: getSchemaPath(ClaudeCodeRunnerDto) },
    ],
  })
  @IsObject()
  @IsKnownRunner()
  @ValidateNested()
  @Transform(({ value }) => toRunnerDto(value), { toClassOnly: true })
  readonly runner!: SimulatedRunnerDto | ShellRunnerDto | ClaudeCodeRunnerDto;

  @ApiPropertyOptional({
    enum: AGENT_FAILURE_POLICIES,
    description: '`fail` (the default) fails the workflow; `retry-workflow` starts the next iteration',
  })
  @IsOptional()
  @IsIn(AGENT_FAILURE_POLICIES)
  readonly onFailure?: AgentFailurePolicy;
}

export class WorkflowDefinitionDto implements WorkflowDefinition {
  @ApiProperty({ minLength: 1, maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  readonly name!: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 1_000_000, description: 'US dollars; no limit when absent' })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(1_000_000)
  readonly budgetLimit?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  readonly maxIterations?: number;

  @ApiProperty({ type: () => [AgentDefinitionDto], minItems: 1, maxItems: 500 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ArrayUnique((agent: AgentDefinitionDto) => agent?.name, { message: 'agents must have unique names' })
  @ValidateNested({ each: true })
  @Type(() => AgentDefinitionDto)
  readonly agents!: AgentDefinitionDto[];
}
