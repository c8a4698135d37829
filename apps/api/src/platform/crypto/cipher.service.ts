import { Injectable } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { KeyRing } from './key-ring';

/**
 * The app's key ring as a provider: the only way code encrypts or decrypts at rest. Every value
 * is sealed for its column (`table.column`) and its row's org, and opens only for the same two.
 */
@Injectable()
export class Cipher {
  private readonly ring: KeyRing;

  constructor(config: AppConfig) {
    this.ring = new KeyRing(
      config.crypto.keys,
      config.crypto.activeKeyId,
      config.crypto.openUnbound,
    );
  }

  get activeKeyId(): string {
    return this.ring.activeKeyId;
  }

  encrypt(plaintext: string, column: string, orgId: string): string {
    return this.ring.encrypt(plaintext, { column, orgId });
  }

  decrypt(envelope: string, column: string, orgId: string): string {
    return this.ring.decrypt(envelope, { column, orgId });
  }

  /**
   * Opens with whichever key sealed it and seals again with the active key, bound to `orgId`.
   * A v1 envelope (column only) opens here whatever the setting: this is how it gets its org.
   */
  reseal(envelope: string, column: string, orgId: string): string {
    const scope = { column, orgId };
    return this.ring.encrypt(this.ring.decrypt(envelope, scope, true), scope);
  }
}
