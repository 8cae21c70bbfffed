export default async function globalTeardown(): Promise<void> {
  await globalThis.__KYC_DEV_SERVER__?.stop();
}
