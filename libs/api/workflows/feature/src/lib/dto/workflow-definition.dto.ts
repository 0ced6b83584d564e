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
  @Equals('simulated')
  readonly type!: 'simulated';

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  readonly durationMs?: number;

  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(1_000_000)
  readonly cost?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  readonly progressMessages?: number;

  @IsOptional()
  @IsBoolean()
  readonly fail?: boolean;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  readonly failIterations?: number;

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
  @Equals('shell')
  readonly type!: 'shell';

  @IsString()
  @IsNotEmpty()
  @MaxLength(4_096)
  readonly command!: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1_000)
  @IsString({ each: true })
  @MaxLength(100_000, { each: true })
  readonly args?: string[];

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4_096)
  readonly cwd?: string;

  @IsOptional()
  @IsEnvMap()
  readonly env?: Record<string, string>;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(7 * 86_400_000)
  readonly timeoutMs?: number;
}

export class ClaudeCodeRunnerDto implements ClaudeCodeRunnerDefinition {
  @Equals('claude-code')
  readonly type!: 'claude-code';

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,100}$/, { message: 'model must be a model name such as claude-sonnet-4-5' })
  readonly model?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9_.:()*, /-]{1,200}$/, { each: true, message: 'allowedTools must be tool names' })
  readonly allowedTools?: string[];

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4_096)
  readonly cwd?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000)
  readonly maxTurns?: number;

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

export class AgentDefinitionDto implements AgentDefinition {
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  readonly name!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  readonly role!: string;

  @IsString()
  @MaxLength(200_000)
  readonly prompt!: string;

  @IsObject()
  @IsKnownRunner()
  @ValidateNested()
  @Transform(({ value }) => toRunnerDto(value), { toClassOnly: true })
  readonly runner!: SimulatedRunnerDto | ShellRunnerDto | ClaudeCodeRunnerDto;

  @IsOptional()
  @IsIn(AGENT_FAILURE_POLICIES)
  readonly onFailure?: AgentFailurePolicy;
}

export class WorkflowDefinitionDto implements WorkflowDefinition {
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  readonly name!: string;

  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(1_000_000)
  readonly budgetLimit?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  readonly maxIterations?: number;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ArrayUnique((agent: AgentDefinitionDto) => agent?.name, { message: 'agents must have unique names' })
  @ValidateNested({ each: true })
  @Type(() => AgentDefinitionDto)
  readonly agents!: AgentDefinitionDto[];
}
