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
import type { UserListResponse, UserView } from '@flowcast/shared-contract';
import { CurrentUser, Roles } from './decorators';
import { CreateUserDto, UpdateUserDto } from './dto';
import type { Principal } from './principal';
import { UsersService } from './users/users.service';

/** User administration: admins only. */
@Roles('admin')
@Controller('users')
export class UsersController {
  constructor(@Inject(UsersService) private readonly users: UsersService) {}

  @Post()
  create(@Body() body: CreateUserDto): Promise<UserView> {
    return this.users.create(body.username, body.password, body.role);
  }

  @Get()
  async list(): Promise<UserListResponse> {
    return { items: await this.users.list() };
  }

  @Patch(':id')
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
  remove(@CurrentUser() principal: Principal, @Param('id') id: string): Promise<void> {
    if (id === principal.userId) throw new ConflictException('You cannot remove yourself');
    return this.users.remove(id);
  }
}
