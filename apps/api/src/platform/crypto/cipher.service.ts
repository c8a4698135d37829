import { Injectable } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { KeyRing } from './key-ring';

/** The app's key ring as a provider: the only way code encrypts or decrypts at rest. */
@Injectable()
export class Cipher {
  private readonly ring: KeyRing;

  constructor(config: AppConfig) {
    this.ring = new KeyRing(config.crypto.keys, config.crypto.activeKeyId);
  }

  get activeKeyId(): string {
    return this.ring.activeKeyId;
  }

  encrypt(plaintext: string, context: string): string {
    return this.ring.encrypt(plaintext, context);
  }

  decrypt(envelope: string, context: string): string {
    return this.ring.decrypt(envelope, context);
  }

  /** Opens with whichever key sealed it and seals again with the active key. */
  reseal(envelope: string, context: string): string {
    return this.ring.encrypt(this.ring.decrypt(envelope, context), context);
  }
}
