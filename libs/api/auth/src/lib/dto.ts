import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';
import {
  AUTH_LIMITS,
  USER_ROLES,
  type CreateTokenRequest,
  type CreateUserRequest,
  type UpdateUserRequest,
  type UserRole,
} from '@flowcast/shared-contract';

export class CreateTokenDto implements CreateTokenRequest {
  @ApiProperty({ minLength: AUTH_LIMITS.tokenName.min, maxLength: AUTH_LIMITS.tokenName.max })
  @IsString()
  @Length(AUTH_LIMITS.tokenName.min, AUTH_LIMITS.tokenName.max)
  readonly name!: string;
}

const username = {
  pattern: AUTH_LIMITS.username.source,
  description: 'Letters, digits, dots, dashes or underscores',
};
const password = { minLength: AUTH_LIMITS.password.min, maxLength: AUTH_LIMITS.password.max };

export class CreateUserDto implements CreateUserRequest {
  @ApiProperty(username)
  @IsString()
  @Matches(AUTH_LIMITS.username, {
    message: 'username must be 1–64 letters, digits, dots, dashes or underscores',
  })
  readonly username!: string;

  @ApiProperty(password)
  @IsString()
  @MinLength(AUTH_LIMITS.password.min)
  @MaxLength(AUTH_LIMITS.password.max)
  readonly password!: string;

  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES)
  readonly role!: UserRole;
}

export class UpdateUserDto implements UpdateUserRequest {
  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional()
  @IsIn(USER_ROLES)
  readonly role?: UserRole;

  @ApiPropertyOptional(password)
  @IsOptional()
  @IsString()
  @MinLength(AUTH_LIMITS.password.min)
  @MaxLength(AUTH_LIMITS.password.max)
  readonly password?: string;
}
