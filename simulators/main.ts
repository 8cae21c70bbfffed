/**
 * Starts the three provider simulators on loopback, and gives the environment that points the
 * worker at them. Used by the demo, the test harness and `npm run simulators`.
 */
import { join } from 'node:path';
import type { DevCredentials } from '../scripts/lib/dev-credentials';
import { startBankDeviceSimulator } from './bank-device';
import { startEsignSimulator } from './esign';
import { startPhoneGatewaySimulator } from './phone-gateway';
import { SimulatorControl } from './framework/control-client';
import type { RunningSimulator } from './framework/simulator';

export interface SimulatorPorts {
  bank: number;
  esign: number;
  phone: number;
}

/** The fixed ports of the demo and `npm run simulators`; tests use 0 (any free port). */
export const DEFAULT_SIMULATOR_PORTS: SimulatorPorts = { bank: 7301, esign: 7302, phone: 7303 };

export interface RunningSimulators {
  bank: RunningSimulator;
  esign: RunningSimulator;
  phone: RunningSimulator;
  controls: { bank: SimulatorControl; esign: SimulatorControl; phone: SimulatorControl };
  /** The worker's provider environment: base URLs and credentials matching these simulators. */
  workerEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startAllSimulators(options: {
  credentials: DevCredentials;
  ports?: SimulatorPorts;
  host?: string;
  /** Where the e-signature simulator sends callbacks for flows started without a notify URL. */
  defaultNotifyUrl?: string;
  /**
   * Keep the bank's accounts and devices and the e-signature flows here across restarts
   * (`bank.json`, `esign.json`); the demo uses `.data/simulators/`, next to the dev server's
   * database, so both have the same lifetime. Without it the simulators start empty.
   */
  stateDir?: string;
}): Promise<RunningSimulators> {
  const { credentials } = options;
  const ports = options.ports ?? { bank: 0, esign: 0, phone: 0 };
  const host = options.host ?? '127.0.0.1';
  const bank = await startBankDeviceSimulator({
    host,
    port: ports.bank,
    apiClientKey: credentials.bankApiClientKey,
    clientPublicKeyPem: credentials.bankPublicKeyPem,
    stateFile: options.stateDir && join(options.stateDir, 'bank.json'),
  });
  const esign = await startEsignSimulator({
    host,
    port: ports.esign,
    appId: credentials.esignAppId,
    appSecret: credentials.esignAppSecret,
    defaultNotifyUrl: options.defaultNotifyUrl,
    stateFile: options.stateDir && join(options.stateDir, 'esign.json'),
  });
  const phone = await startPhoneGatewaySimulator({ host, port: ports.phone, token: credentials.phoneToken });
  return {
    bank,
    esign,
    phone,
    controls: {
      bank: new SimulatorControl(bank.url),
      esign: new SimulatorControl(esign.url),
      phone: new SimulatorControl(phone.url),
    },
    workerEnv: {
      BANK_BASE_URL: bank.url,
      BANK_API_CLIENT_KEY: credentials.bankApiClientKey,
      BANK_PRIVATE_KEY_PEM: credentials.bankPrivateKeyPem,
      ESIGN_BASE_URL: esign.url,
      ESIGN_APP_ID: credentials.esignAppId,
      ESIGN_APP_SECRET: credentials.esignAppSecret,
      PHONE_BASE_URL: phone.url,
      PHONE_TOKEN: credentials.phoneToken,
      KYC_PAYLOAD_KEYS: credentials.payloadKeys,
    },
    close: async () => {
      await Promise.all([bank.close(), esign.close(), phone.close()]);
    },
  };
}
