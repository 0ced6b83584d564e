import { IsIn, IsOptional, IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';
import {
  USER_ROLES,
  type CreateTokenRequest,
  type CreateUserRequest,
  type UpdateUserRequest,
  type UserRole,
} from '@flowcast/shared-contract';

export class CreateTokenDto implements CreateTokenRequest {
  @IsString()
  @Length(1, 100)
  readonly name!: string;
}

export class CreateUserDto implements CreateUserRequest {
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, {
    message: 'username must be 1–64 letters, digits, dots, dashes or underscores',
  })
  readonly username!: string;

  @IsString()
  @MinLength(8)
  @MaxLength(200)
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
  @MinLength(8)
  @MaxLength(200)
  readonly password?: string;
}
