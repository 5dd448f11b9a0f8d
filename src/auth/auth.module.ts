import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AccessGuard } from './access.guard.js';
import { AuthController } from './auth.controller.js';
import { AuthState } from './auth-state.js';
import { BearerAuthenticators } from './bearer-authenticators.js';
import { AuthService } from './auth.service.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import { RefreshThrottle } from './tokens/refresh-throttle.js';
import { RefreshTokensService } from './tokens/refresh-tokens.service.js';
import { RequestAuthenticator } from './request-authenticator.js';
import { TokenDenylist } from './token-denylist.js';
import { TokenVerdicts } from './token-verdicts.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    PassportModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ secret: config.auth.jwt_secret }),
    }),
  ],
  controllers: [AuthController, UsersController],
  providers: [
    AuthService,
    UsersService,
    UsersRepository,
    PasswordHasher,
    AuthState,
    TokenDenylist,
    TokenVerdicts,
    LoginThrottle,
    JwtStrategy,
    BearerAuthenticators,
    RefreshTokensService,
    RefreshThrottle,
    RequestAuthenticator,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [
    UsersService,
    AuthService,
    BearerAuthenticators,
    RequestAuthenticator,
    UsersRepository,
    TokenDenylist,
    AuthState,
    PasswordHasher,
    LoginThrottle,
  ],
})
export class AuthModule {}
