import { Global, Module } from '@nestjs/common';

import { Cipher } from './cipher.service';
import { EncryptedColumnRepository } from './encrypted-column.repository';
import { ReencryptService } from './reencrypt.service';

@Global()
@Module({
  providers: [Cipher, EncryptedColumnRepository, ReencryptService],
  exports: [Cipher, ReencryptService],
})
export class CryptoModule {}
