/**
 * Runs the codec server on its own, for the Temporal UI (`--ui-codec-endpoint`, or the UI's
 * TEMPORAL_CODEC_ENDPOINT) and the `temporal` CLI (`--codec-endpoint`). Keys from KYC_PAYLOAD_KEYS
 * or KYC_PAYLOAD_KEYS_FILE, like the worker.
 */
import { Command } from 'commander';
import { ConfigError, loadPayloadEncryptionConfig } from '../common/config';
import { startCodecServer } from '../common/codec-server';
import { AesGcmPayloadCodec } from '../common/payload-codec';
import { readVariable } from '../common/environment';

async function main(): Promise<void> {
  const options = new Command('codec-server')
    .description('Serve /encode and /decode for the Temporal UI and CLI with the payload keys.')
    .option(
      '--host <host>',
      'listen address (keep loopback unless behind auth)',
      readVariable(process.env, 'KYC_CODEC_HOST') ?? '127.0.0.1',
    )
    .option('--port <port>', 'listen port', readVariable(process.env, 'KYC_CODEC_PORT') ?? '8888')
    .option(
      '--allowed-origins <origins>',
      'comma-separated browser origins allowed to call it (the UI)',
      readVariable(process.env, 'KYC_CODEC_ALLOWED_ORIGINS') ?? 'http://127.0.0.1:8233,http://localhost:8233',
    )
    .parse()
    .opts<{ host: string; port: string; allowedOrigins: string }>();

  const encryption = loadPayloadEncryptionConfig();
  if (!encryption) throw new ConfigError(['KYC_PAYLOAD_KEYS: is required (or set KYC_PAYLOAD_KEYS_FILE)']);
  const server = await startCodecServer({
    codec: new AesGcmPayloadCodec(encryption),
    host: options.host,
    port: Number(options.port),
    allowedOrigins: options.allowedOrigins
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  });
  console.log(`codec server on ${server.url} (keys: ${[...encryption.keys.keys()].join(', ')})`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
