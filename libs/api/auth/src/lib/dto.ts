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
  @IsString()
  @Length(AUTH_LIMITS.tokenName.min, AUTH_LIMITS.tokenName.max)
  readonly name!: string;
}

export class CreateUserDto implements CreateUserRequest {
  @IsString()
  @Matches(AUTH_LIMITS.username, {
    message: 'username must be 1–64 letters, digits, dots, dashes or underscores',
  })
  readonly username!: string;

  @IsString()
  @MinLength(AUTH_LIMITS.password.min)
  @MaxLength(AUTH_LIMITS.password.max)
  readonly password!: string;

  @IsIn(USER_ROLES)
  readonly role!: UserRole;
}

export class UpdateUserDto implements UpdateUserRequest {
  @IsOptional()
  @IsIn(USER_ROLES)
  readonly role?: UserRole;

  @IsOptional()
  @IsString()
  @MinLength(AUTH_LIMITS.password.min)
  @MaxLength(AUTH_LIMITS.password.max)
  readonly password?: string;
}
