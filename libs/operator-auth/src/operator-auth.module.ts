import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from './api-key.entity';
import { ApiKeyService } from './api-key.service';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { OperatorAuthGuard } from './operator-auth.guard';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey])],
  providers: [ApiKeyService, AuthFailureLimiter, OperatorAuthGuard],
  exports: [ApiKeyService, OperatorAuthGuard],
})
export class OperatorAuthModule {}
