/**
 * The one data converter of every worker and client of this project: with encryption keys, every
 * payload goes through the AES-GCM codec, and failure messages and stack traces are moved into
 * encoded attributes (a payload, so encrypted too). Workers and clients must use the same one, or
 * neither can read what the other wrote. The failure converter is given by path because the
 * workflow sandbox loads it from the bundle (a prebuilt bundle must be built with the same path).
 */
import type { DataConverter, Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, type PayloadEncryptionConfig } from './payload-codec';

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export function createDataConverter(encryption: PayloadEncryptionConfig | undefined): DataConverter {
  if (!encryption) return {};
  return { payloadCodecs: [new AesGcmPayloadCodec(encryption)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/**
 * Decodes raw payloads (from a fetched history or `describe().raw`) through `dataConverter`'s
 * payload codecs, last codec first, as a client reading them would; leaves them encoded as JSON.
 */
export async function decodePayloads(dataConverter: DataConverter, payloads: Payload[]): Promise<Payload[]> {
  let decoded = payloads;
  for (const codec of [...(dataConverter.payloadCodecs ?? [])].reverse()) decoded = await codec.decode(decoded);
  return decoded;
}
