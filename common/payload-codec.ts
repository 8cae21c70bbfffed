/**
 * Encrypts every payload (workflow inputs, update arguments, results, failures' details) with
 * AES-256-GCM before it reaches the Temporal server, so personal data is never stored in plain
 * text in workflow history. Codecs run outside the workflow sandbox, so node:crypto is fine here.
 *
 * The whole Payload (metadata and data) is serialized and encrypted: even the original encoding
 * is hidden. Payloads that are not ours pass through on decode, so histories recorded before
 * encryption was turned on, and plain JSON sent by the official `temporal` CLI, still work.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const ENCRYPTION_KEY_ID_KEY = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export interface PayloadEncryptionConfig {
  /** Key id -> 32-byte AES key. Every configured key can decrypt. */
  keys: ReadonlyMap<string, Uint8Array>;
  /** The id of the key new payloads are encrypted with. */
  activeKeyId: string;
}

export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly activeKey: Uint8Array;

  constructor(private readonly config: PayloadEncryptionConfig) {
    for (const [id, key] of config.keys) {
      if (key.length !== KEY_BYTES) throw new RangeError(`payload key ${id} must be ${KEY_BYTES} bytes`);
    }
    const active = config.keys.get(config.activeKeyId);
    if (!active) throw new RangeError(`the active payload key ${config.activeKeyId} is not among the configured keys`);
    this.activeKey = active;
  }

  get activeKeyId(): string {
    return this.config.activeKeyId;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => this.encryptOne(payload)));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => this.decryptOne(payload)));
  }

  private encryptOne(payload: Payload): Payload {
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.activeKey, iv);
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: encoder.encode(ENCRYPTED_ENCODING),
        [ENCRYPTION_KEY_ID_KEY]: encoder.encode(this.config.activeKeyId),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decryptOne(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const rawKeyId = payload.metadata?.[ENCRYPTION_KEY_ID_KEY];
    if (!rawKeyId) throw new PayloadDecryptionError('encrypted payload without an encryption-key-id');
    const keyId = decoder.decode(rawKeyId);
    const key = this.config.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload encrypted with unknown key id "${keyId}": add it to KYC_PAYLOAD_KEYS to read this payload`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(`encrypted payload (key ${keyId}) is truncated`);
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const decipher = createDecipheriv(CIPHER, key, iv);
    decipher.setAuthTag(tag);
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload (key ${keyId}) failed authentication: wrong key or altered data`,
      );
    }
    const decoded = temporal.api.common.v1.Payload.decode(plain);
    return { metadata: decoded.metadata, data: decoded.data };
  }
}
