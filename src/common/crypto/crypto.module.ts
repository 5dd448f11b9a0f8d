import { Global, Module } from '@nestjs/common';
import { KeyRotationService } from './key-rotation.service.js';
import { SealedStores } from './sealed-stores.js';
import { SecretBox } from './secret-box.js';
import { SecretsController } from './secrets.controller.js';

@Global()
@Module({
  controllers: [SecretsController],
  providers: [SecretBox, SealedStores, KeyRotationService],
  exports: [SecretBox, SealedStores, KeyRotationService],
})
export class CryptoModule {}
