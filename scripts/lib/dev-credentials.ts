/**
 * Credentials shared by the local simulators and the worker: a fresh ES512 key pair for the bank
 * API, an e-signature app id/secret and a phone gateway token. Generated, never committed: the
 * demo keeps one set under `.data/`, each test file makes its own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';

export interface DevCredentials {
  bankApiClientKey: string;
  bankPrivateKeyPem: string;
  bankPublicKeyPem: string;
  esignAppId: string;
  esignAppSecret: string;
  phoneToken: string;
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
  };
}

export async function loadOrCreateDevCredentials(file: string): Promise<DevCredentials> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevCredentials;
  const credentials = await createDevCredentials();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}
