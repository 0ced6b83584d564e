import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
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
import type {
  AgentDefinition,
  RunnerType,
  SimulatedRunnerDefinition,
  WorkflowDefinition,
} from '@flowcast/shared-contract';

const RUNNER_TYPES: readonly RunnerType[] = ['simulated'];
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
  @IsString()
  @MaxLength(100_000)
  readonly output?: string;
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
  @Type(() => Object, {
    discriminator: { property: 'type', subTypes: [{ value: SimulatedRunnerDto, name: 'simulated' }] },
    keepDiscriminatorProperty: true,
  })
  readonly runner!: SimulatedRunnerDto;
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
