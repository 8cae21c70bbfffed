/**
 * The one data converter of every worker and client of this project: with encryption keys, every
 * payload goes through the AES-GCM codec. Workers and clients must use the same one, or neither
 * can read what the other wrote.
 */
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, type PayloadEncryptionConfig } from './payload-codec';

export function createDataConverter(encryption: PayloadEncryptionConfig | undefined): DataConverter {
  return encryption ? { payloadCodecs: [new AesGcmPayloadCodec(encryption)] } : {};
}
