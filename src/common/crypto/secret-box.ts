import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { type KeyRing, parseKeyRing } from './key-ring.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretDecryptError extends Error {}

/**
 * AES-256-GCM sealing of secrets at rest. A sealed value is "v1:<keyId>:<base64(iv|tag|ciphertext)>".
 * `context` is bound as additional authenticated data (e.g. "credentials:<row id>") so a sealed value
 * copied into another row does not decrypt.
 */
@Injectable()
export class SecretBox {
  private readonly ring: KeyRing;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.ring = parseKeyRing(config.encryption.keys);
  }

  get activeKeyId(): string {
    return this.ring.activeId;
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.ring.keys.get(this.ring.activeId)!, iv);
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${this.ring.activeId}:${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64')}`;
  }

  open(sealed: string, context: string): string {
    const [version, keyId, body] = sealed.split(':');
    if (version !== VERSION || !keyId || !body)
      throw new SecretDecryptError('sealed value has an unknown format');
    const key = this.ring.keys.get(keyId);
    if (!key) throw new SecretDecryptError(`sealed with key "${keyId}", which is not in the key ring`);
    const raw = Buffer.from(body, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretDecryptError(`sealed value failed authentication under key "${keyId}"`);
    }
  }

  sealJson(value: unknown, context: string): string {
    return this.seal(JSON.stringify(value), context);
  }

  openJson<T>(sealed: string, context: string): T {
    return JSON.parse(this.open(sealed, context)) as T;
  }

  /** The key id a sealed value was written under. */
  keyIdOf(sealed: string): string {
    return sealed.split(':')[1] ?? '';
  }

  /** SQL LIKE pattern matching values sealed under the active key. */
  get activeKeyPattern(): string {
    return `${VERSION}:${this.ring.activeId}:%`;
  }
}

/** "****wxyz" for long secrets, "****" for short ones: enough to recognise a key, never enough to use it. */
export function maskSecret(value: string): string {
  return value.length >= 12 ? `****${value.slice(-4)}` : '****';
}
