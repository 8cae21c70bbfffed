import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__KYC_DEV_SERVER__?.stop();
  await globalThis.__KYC_CODEC_SERVER__?.close();
  if (globalThis.__KYC_RUN_DIR__) rmSync(globalThis.__KYC_RUN_DIR__, { recursive: true, force: true });
}
