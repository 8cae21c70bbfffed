/**
 * Starts one real Temporal dev server for the whole run (or uses TEMPORAL_ADDRESS when given: an
 * external server or cluster, whose namespace and search attributes it then creates when
 * missing), and bundles the workflows once for every test worker (worker/bundle.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { startCodecServer, type CodecServer } from '../../common/codec-server';
import { loadPayloadEncryptionConfig } from '../../common/config';
import { ensureNamespaceSetup } from '../../common/namespace-setup';
import { AesGcmPayloadCodec } from '../../common/payload-codec';
import { createPayloadKeys } from '../../scripts/lib/dev-credentials';
import { startDevServer, type DevServer } from '../../scripts/lib/dev-server';
import { freePort } from '../../scripts/lib/free-port';
import { resolveTemporalCli } from '../../scripts/lib/temporal-cli';
import { buildWorkflowBundle } from '../../worker/bundle';
import { TEST_OUTPUT_DIR, runDirectory, type HarnessInfo } from './harness-info';

declare global {
  var __KYC_DEV_SERVER__: DevServer | undefined;
  var __KYC_CODEC_SERVER__: CodecServer | undefined;
  var __KYC_RUN_DIR__: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  const runDir = runDirectory(process.pid);
  mkdirSync(runDir, { recursive: true });
  globalThis.__KYC_RUN_DIR__ = runDir;
  const cliPath = resolveTemporalCli();
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';

  // One key set per run, so the UI and the official CLI decode every test's payloads through one codec server.
  const payloadKeys = createPayloadKeys();
  const uiPort = await freePort();
  const codecServer = await startCodecServer({
    codec: new AesGcmPayloadCodec(loadPayloadEncryptionConfig({ KYC_PAYLOAD_KEYS: payloadKeys })!),
    allowedOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
  });
  globalThis.__KYC_CODEC_SERVER__ = codecServer;

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let uiUrl: string | undefined;
  if (temporalAddress) {
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      await ensureNamespaceSetup(connection, namespace);
    } finally {
      await connection.close();
    }
  } else {
    const server = await startDevServer({
      cliPath,
      namespace,
      // The UI is on so the browser test can look at it; CI has no one watching, but the test still checks it.
      uiPort,
      uiCodecEndpoint: codecServer.url,
      logFile: join(TEST_OUTPUT_DIR, 'temporal-dev-server.log'),
    });
    globalThis.__KYC_DEV_SERVER__ = server;
    temporalAddress = server.address;
    uiUrl = server.uiUrl;
  }

  const code = await buildWorkflowBundle();
  const workflowBundlePath = join(runDir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, code);

  const info: HarnessInfo = {
    temporalAddress,
    namespace,
    cliPath,
    uiUrl,
    workflowBundlePath,
    payloadKeys,
    codecUrl: codecServer.url,
  };
  const harnessFile = join(runDir, 'harness.json');
  writeFileSync(harnessFile, JSON.stringify(info, null, 2));
  // Jest starts its test workers after global setup, so they inherit this.
  process.env.KYC_HARNESS_FILE = harnessFile;
}
