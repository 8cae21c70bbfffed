/**
 * Credentials shared by the local simulators and the worker: a fresh ES512 key pair for the bank
 * API, an e-signature app id/secret, a phone gateway token and a payload encryption key (the worker,
 * clients and codec server share it). Generated, never committed: the
 * demo keeps one set under `.data/`, each test file makes its own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { keepFilePrivate, writePrivateFile } from '../../common/private-files';

export interface DevCredentials {
  bankApiClientKey: string;
  bankPrivateKeyPem: string;
  bankPublicKeyPem: string;
  esignAppId: string;
  esignAppSecret: string;
  phoneToken: string;
  /** KYC_PAYLOAD_KEYS: `keyId:base64key` (one fresh AES-256 key). */
  payloadKeys: string;
}

/** One fresh payload key in KYC_PAYLOAD_KEYS form. */
export function createPayloadKeys(): string {
  return `dev-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`;
}

export async function createDevCredentials(): Promise<DevCredentials> {
  const { privateKey, publicKey } = await generateKeyPair('ES512', { extractable: true });
  return {
    bankApiClientKey: randomUUID(),
    bankPrivateKeyPem: await exportPKCS8(privateKey),
    bankPublicKeyPem: await exportSPKI(publicKey),
    esignAppId: `sim-app-${randomBytes(4).toString('hex')}`,
    esignAppSecret: randomBytes(24).toString('base64url'),
    phoneToken: randomBytes(24).toString('base64url'),
    payloadKeys: createPayloadKeys(),
  };
}

export async function loadOrCreateDevCredentials(file: string): Promise<DevCredentials> {
  if (existsSync(file)) {
    keepFilePrivate(file);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevCredentials>;
    if (stored.payloadKeys) return stored as DevCredentials;
    // Written before payload encryption: keep its credentials, add a key.
    const upgraded = { ...stored, payloadKeys: createPayloadKeys() } as DevCredentials;
    writePrivateFile(file, JSON.stringify(upgraded, null, 2));
    return upgraded;
  }
  const credentials = await createDevCredentials();
  mkdirSync(dirname(file), { recursive: true });
  writePrivateFile(file, JSON.stringify(credentials, null, 2));
  return credentials;
}
