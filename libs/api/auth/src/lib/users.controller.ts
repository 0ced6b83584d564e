import {
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiEmptyResponse, ApiErrorResponses, ApiJsonResponse } from '@flowcast/api-core';
import type { UserListResponse, UserView } from '@flowcast/shared-contract';
import { CurrentUser, Roles } from './decorators';
import { CreateUserDto, UpdateUserDto } from './dto';
import type { Principal } from './principal';
import { UsersService } from './users/users.service';

/** User administration: admins only. */
@Roles('admin')
@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(@Inject(UsersService) private readonly users: UsersService) {}

  @Post()
  @ApiJsonResponse(201, 'UserView', 'The new user')
  @ApiErrorResponses(400, 409)
  create(@Body() body: CreateUserDto): Promise<UserView> {
    return this.users.create(body.username, body.password, body.role);
  }

  @Get()
  @ApiJsonResponse(200, 'UserListResponse', 'Every user')
  async list(): Promise<UserListResponse> {
    return { items: await this.users.list() };
  }

  @Patch(':id')
  @ApiJsonResponse(200, 'UserView', 'The updated user')
  @ApiErrorResponses(400, 404, 409)
  update(
    @CurrentUser() principal: Principal,
    @Param('id') id: string,
    @Body() body: UpdateUserDto,
  ): Promise<UserView> {
    if (id === principal.userId && body.role !== undefined && body.role !== principal.role) {
      throw new ConflictException('You cannot change your own role');
    }
    return this.users.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiEmptyResponse(204, 'Removed: the user’s sessions, tokens and streams end')
  @ApiErrorResponses(404, 409)
  remove(@CurrentUser() principal: Principal, @Param('id') id: string): Promise<void> {
    if (id === principal.userId) throw new ConflictException('You cannot remove yourself');
    return this.users.remove(id);
  }
}
