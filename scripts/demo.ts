/**
 * The demo orchestrator: dev server (persistent, UI on; or the server TEMPORAL_ADDRESS names) +
 * simulators + worker process, then each flow's demo step against them. Everything listens on
 * loopback only.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Command, Option } from 'commander';
import { KycClient } from '../client';
import { startCodecServer } from '../common/codec-server';
import { loadPayloadEncryptionConfig } from '../common/config';
import { writeLocalSettings } from '../common/local-profile';
import { createDataConverter } from '../common/data-converter';
import { ensureNamespaceSetup } from '../common/namespace-setup';
import { AesGcmPayloadCodec } from '../common/payload-codec';
import { startAllSimulators, DEFAULT_SIMULATOR_PORTS, type SimulatorPorts } from '../simulators/main';
import {
  NOTIFICATION_PATH,
  NotificationReceiverControl,
  startNotificationReceiver,
} from '../simulators/notification-receiver';
import { runDeviceApprovalDemo } from './demo/device-approval';
import { runIdentityFlowDemo } from './demo/identity-flow';
import { runPhoneCheckDemo } from './demo/phone-check';
import type { DemoContext } from './demo/context';
import { loadOrCreateDevCredentials } from './lib/dev-credentials';
import { startDevServer, type DevServer } from './lib/dev-server';
import { freePort } from './lib/free-port';
import { PROJECT_ROOT, resolveTemporalCli } from './lib/temporal-cli';
import { startWorkerProcess } from './lib/worker-process';
import { readVariable } from '../common/environment';

const FLOWS = {
  phone: { title: 'Phone three-factor check', run: runPhoneCheckDemo },
  device: { title: 'Device two-factor approval', run: runDeviceApprovalDemo },
  identity: { title: 'Identity-flow tracking', run: runIdentityFlowDemo },
} as const;
type FlowName = keyof typeof FLOWS;

interface Ports extends SimulatorPorts {
  temporal: number;
  ui: number;
  callbacks: number;
  codec: number;
  /** The demo's receiver of completion notifications (docs/notifications.md). */
  notifications: number;
}

const FIXED_PORTS: Ports = {
  temporal: 7233,
  ui: 8233,
  callbacks: 7310,
  codec: 8888,
  notifications: 7320,
  ...DEFAULT_SIMULATOR_PORTS,
};

/** The demo receiver's signing secret, kept with the other dev credentials (mode 0600). */
function notifySecret(dataDir: string): string {
  const file = join(dataDir, 'notify-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function freePorts(): Promise<Ports> {
  return {
    temporal: await freePort(),
    ui: await freePort(),
    callbacks: await freePort(),
    codec: await freePort(),
    notifications: await freePort(),
    bank: await freePort(),
    esign: await freePort(),
    phone: await freePort(),
  };
}

function say(line: string): void {
  console.log(line);
}

async function main(): Promise<void> {
  const program = new Command('demo')
    .description('Start the dev server, simulators and worker, and run a demo of the three flows.')
    .option('--once', 'stop everything after the demo (default when CI=true)', process.env.CI === 'true')
    .option('--data-dir <dir>', 'where the server database, credentials and logs live', join(PROJECT_ROOT, '.data'))
    .addOption(
      new Option('--ports <mode>', 'fixed ports (7233, UI 8233, codec 8888, 7301-7303, 7310) or any free ones')
        .choices(['fixed', 'auto'])
        .default('fixed'),
    )
    .addOption(
      new Option('--flows <names...>', 'which flows to demo').choices(Object.keys(FLOWS)).default(Object.keys(FLOWS)),
    )
    .parse();
  const options = program.opts<{ once: boolean; dataDir: string; ports: 'fixed' | 'auto'; flows: FlowName[] }>();

  const logDir = join(options.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const ports = options.ports === 'auto' ? await freePorts() : FIXED_PORTS;
  const credentials = await loadOrCreateDevCredentials(join(options.dataDir, 'dev-credentials.json'));
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error));
  };

  try {
    // Payloads are encrypted with the key kept with the dev credentials; the UI reads them through this.
    const encryption = loadPayloadEncryptionConfig({ KYC_PAYLOAD_KEYS: credentials.payloadKeys })!;
    const codecServer = await startCodecServer({
      codec: new AesGcmPayloadCodec(encryption),
      port: ports.codec,
      allowedOrigins: [`http://127.0.0.1:${ports.ui}`, `http://localhost:${ports.ui}`],
    });
    cleanups.push(() => codecServer.close());

    // TEMPORAL_ADDRESS names a server already running (cluster mode, compose, a team's cluster):
    // the demo uses it and starts no dev server; its namespace is set up when something is missing.
    const external = readVariable(process.env, 'TEMPORAL_ADDRESS');
    let temporalAddress: string;
    let namespace: string;
    let uiUrl: string | undefined;
    if (external) {
      namespace = readVariable(process.env, 'TEMPORAL_NAMESPACE') ?? 'default';
      say(`Using the Temporal server at ${external} (TEMPORAL_ADDRESS), namespace ${namespace}...`);
      const setupConnection = await Connection.connect({ address: external });
      try {
        const setup = await ensureNamespaceSetup(setupConnection, namespace);
        if (setup.createdNamespace) say(`  created the namespace ${namespace}`);
        if (setup.addedSearchAttributes.length)
          say(`  added the search attributes ${setup.addedSearchAttributes.join(', ')}`);
      } finally {
        await setupConnection.close();
      }
      temporalAddress = external;
      uiUrl = readVariable(process.env, 'TEMPORAL_UI_URL');
    } else {
      say('Starting the Temporal dev server (state kept in ' + join(options.dataDir, 'temporal') + ')...');
      const server: DevServer = await startDevServer({
        cliPath: readVariable(process.env, 'TEMPORAL_CLI') ?? resolveTemporalCli(),
        dbFile: join(options.dataDir, 'temporal', 'dev.db'),
        port: ports.temporal,
        uiPort: ports.ui,
        uiCodecEndpoint: codecServer.url,
        logFile: join(logDir, 'temporal.log'),
      });
      cleanups.push(async () => void (await server.stop()));
      temporalAddress = server.address;
      namespace = server.namespace;
      uiUrl = server.uiUrl;
    }
    // The `kyc` CLI of this checkout (and `temporal` with TEMPORAL_CONFIG_FILE) find the stack here.
    const local = writeLocalSettings(options.dataDir, {
      address: temporalAddress,
      namespace,
      codecEndpoint: codecServer.url,
      payloadKeys: credentials.payloadKeys,
    });

    const callbackUrl = `http://127.0.0.1:${ports.callbacks}/callbacks/esign`;
    say('Starting the provider simulators...');
    // Their accounts, devices and flows live next to the server's database: same lifetime.
    const simulators = await startAllSimulators({
      credentials,
      ports,
      defaultNotifyUrl: callbackUrl,
      stateDir: join(options.dataDir, 'simulators'),
    });
    cleanups.push(() => simulators.close());

    // Every flow notifies this receiver when it ends (KYC_NOTIFY_URL), signed with its secret.
    const secret = notifySecret(options.dataDir);
    const receiver = await startNotificationReceiver({ secrets: [secret], port: ports.notifications });
    cleanups.push(() => receiver.close());

    const taskQueue = 'kyc';
    say('Starting the worker...');
    const worker = await startWorkerProcess({
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporalAddress,
        TEMPORAL_NAMESPACE: namespace,
        KYC_TASK_QUEUE: taskQueue,
        CALLBACK_LISTEN_PORT: String(ports.callbacks),
        ESIGN_NOTIFY_URL: callbackUrl,
        KYC_NOTIFY_URL: `${receiver.url}${NOTIFICATION_PATH}`,
        KYC_NOTIFY_SECRETS: `${receiver.url}=${secret}`,
        ...simulators.workerEnv,
      },
      logFile: join(logDir, 'worker.log'),
    });
    cleanups.push(() => worker.kill('SIGTERM'));

    const connection = await Connection.connect({ address: temporalAddress });
    cleanups.push(() => connection.close());
    const client = new Client({
      connection,
      namespace,
      dataConverter: createDataConverter(encryption),
    });
    const context: DemoContext = {
      kyc: new KycClient(client, { address: temporalAddress, namespace, taskQueue }),
      client,
      taskQueue,
      namespace,
      uiUrl,
      controls: simulators.controls,
      notifications: new NotificationReceiverControl(receiver.url),
      say: (line) => say(`  ${line}`),
      workflowLink: (workflowId) =>
        uiUrl
          ? `${uiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`
          : `${workflowId} (temporal workflow describe --address ${temporalAddress} --namespace ${namespace} -w ${workflowId})`,
    };

    say(
      uiUrl ? `\nTemporal UI: ${uiUrl}/namespaces/${namespace}/workflows` : `\nTemporal at ${temporalAddress} (no UI)`,
    );
    say(
      `Simulators: BANK_BASE_URL=${simulators.bank.url} ESIGN_BASE_URL=${simulators.esign.url} ` +
        `PHONE_BASE_URL=${simulators.phone.url} (for kyc dev …)`,
    );
    say(`Completion notifications: KYC_NOTIFY_URL=${receiver.url}${NOTIFICATION_PATH} (signed, verified there)`);
    say(`Payloads are encrypted; codec server: ${codecServer.url} (temporal --codec-endpoint ${codecServer.url})`);
    say(`Connection profile: ${local.profileFile}, payload key: ${local.payloadKeysFile}`);
    say(`  npx kyc … in this checkout reads both; for temporal: export TEMPORAL_CONFIG_FILE=${local.profileFile}\n`);
    const failures: string[] = [];
    for (const name of options.flows) {
      const flow = FLOWS[name];
      say(`== ${flow.title}`);
      try {
        await flow.run(context);
      } catch (error) {
        failures.push(name);
        console.error(`  ${flow.title} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      say('');
    }
    if (failures.length) throw new Error(`demo failed for: ${failures.join(', ')}`);
    say(`All demo flows finished. Logs: ${logDir}`);

    if (!options.once) {
      say(
        `The stack stays up: Temporal UI ${uiUrl ?? '(none)'}, Temporal at ${temporalAddress}. Press Ctrl-C to stop.`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      say('\nStopping...');
    }
  } finally {
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
