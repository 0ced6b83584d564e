import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { CookieOptions, Request, Response } from 'express';
import {
  ApiEmptyResponse,
  ApiErrorResponses,
  ApiJsonBody,
  ApiJsonResponse,
  FLOWCAST_CONFIG,
  type FlowcastConfig,
  Public,
} from '@flowcast/api-core';
import {
  SESSION_COOKIE,
  type ApiTokenListResponse,
  type AuthUserResponse,
  type CreateTokenResponse,
  type UserView,
} from '@flowcast/shared-contract';
import { CurrentUser } from './decorators';
import { CreateTokenDto } from './dto';
import { type Principal, toUserView } from './principal';
import { SessionsService } from './sessions/sessions.service';
import { LocalAuthGuard } from './strategies/local-auth.guard';
import { TokensService } from './tokens/tokens.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(FLOWCAST_CONFIG) private readonly config: FlowcastConfig,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(TokensService) private readonly tokens: TokensService,
  ) {}

  @Public()
  @UseGuards(LocalAuthGuard)
  @Post('login')
  @HttpCode(200)
  @ApiJsonBody('LoginRequest')
  @ApiJsonResponse(200, 'AuthUserResponse', `Signed in: the session cookie (${SESSION_COOKIE}) is set`)
  @ApiErrorResponses(400, 401, 429)
  async login(
    @Req() req: Request & { user: UserView },
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuthUserResponse> {
    const { token } = await this.sessions.create(req.user.id);
    res.cookie(SESSION_COOKIE, token, { ...this.cookieOptions(req), maxAge: this.config.auth.sessionMaxMs });
    return { user: req.user };
  }

  /** Ends the session (server-side) and clears the cookie. A bearer token is revoked with DELETE /tokens/:id. */
  @Post('logout')
  @HttpCode(204)
  @ApiEmptyResponse(204, 'Signed out: the session is revoked and the cookie cleared')
  async logout(
    @CurrentUser() principal: Principal,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    if (principal.credential.kind === 'session') await this.sessions.revoke(principal.credential.id);
    res.clearCookie(SESSION_COOKIE, this.cookieOptions(req));
  }

  @Get('me')
  @ApiJsonResponse(200, 'AuthUserResponse', 'The caller')
  me(@CurrentUser() principal: Principal): AuthUserResponse {
    return { user: toUserView(principal) };
  }

  @Post('tokens')
  @ApiJsonResponse(201, 'CreateTokenResponse', 'A new personal API token, shown this once')
  @ApiErrorResponses(400)
  createToken(
    @CurrentUser() principal: Principal,
    @Body() body: CreateTokenDto,
  ): Promise<CreateTokenResponse> {
    return this.tokens.create(principal.userId, body.name);
  }

  @Get('tokens')
  @ApiJsonResponse(200, 'ApiTokenListResponse', 'The caller’s tokens (never the tokens themselves)')
  async listTokens(@CurrentUser() principal: Principal): Promise<ApiTokenListResponse> {
    return { items: await this.tokens.list(principal.userId) };
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @ApiEmptyResponse(204, 'Revoked: streams opened with it close within 5 s')
  @ApiErrorResponses(404)
  revokeToken(@CurrentUser() principal: Principal, @Param('id') id: string): Promise<void> {
    return this.tokens.revoke(principal, id);
  }

  private cookieOptions(req: Request): CookieOptions {
    const mode = this.config.auth.cookieSecure;
    return {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: mode === 'always' || (mode === 'auto' && req.secure),
    };
  }
}
