/**
 * The simulated bank's device model: accounts with their approvers, and one state machine per
 * device. Pure request-in, answer-out: the HTTP routes around it only parse paths and bodies.
 *
 *   create (sms/email) → pending (token sent) ─ right token → registered
 *                                              ├ wrong token × limit → locked (OBD000099)
 *                                              └ disable → deactivated
 *   create (liveness)  → registered
 *
 * Behaviours the documentation leaves open, chosen here and documented in docs/device-approval.md:
 * a used token no longer validates (a second validate of a registered device is an incorrect
 * token); creating an existing device key answers 409 SIM000001; re-sending for a device that is
 * not waiting answers 409 SIM000002; disabling twice answers 200 again.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { UUID_V4_PATTERN } from '../../contracts/identifiers';
import {
  createDeviceBodySchema,
  resendTokenBodySchema,
  validateTokenBodySchema,
  type DeviceStatus,
} from '../../providers/bank-device/wire';
import { bankError, type BankAnswer } from './catalog';

export const ACCOUNT_KINDS = ['active', 'blocked', 'closed', 'hub'] as const;

/** `POST /__control/accounts`: an account, the CPFs of its approvers, and how it behaves. */
export const accountSetupSchema = z.object({
  account_key: z.string().regex(UUID_V4_PATTERN),
  approvers: z.array(z.string().regex(/^\d{11}$/)).default([]),
  /** blocked/closed answer OBD000088, hub answers OBD000089, to every device call. */
  kind: z.enum(ACCOUNT_KINDS).default('active'),
  /** Wrong tokens before the bank locks the device (OBD000099); the simulator's default otherwise. */
  token_attempt_limit: z.number().int().positive().optional(),
});
export type AccountSetup = z.input<typeof accountSetupSchema>;

/** `POST /__control/requester`: the requester configuration behind our API client key. */
export const requesterSetupSchema = z.object({
  configured: z.boolean().default(true),
  can_create_devices: z.boolean().default(true),
});

interface Account {
  kind: (typeof ACCOUNT_KINDS)[number];
  approvers: Set<string>;
  tokenAttemptLimit: number;
}

interface Device {
  accountKey: string;
  deviceKey: string;
  sessionId: string;
  approverCpf: string;
  contactType: 'sms' | 'email' | 'liveness';
  imageKey?: string;
  status: DeviceStatus;
  analysisStatus: 'pending' | 'automatically_approved';
  token?: string;
  tokensSent: number;
  failedAttempts: number;
  locked: boolean;
  createdAt: string;
  registrationDate?: string;
  statusEvents: Array<{ new_status: DeviceStatus; event_date: string }>;
}

/** What `GET /__control/tokens/:device_key` shows: the token "sent" to the approver. */
export interface SentToken {
  device_key: string;
  token: string | null;
  contact_type: string;
  tokens_sent: number;
  failed_attempts: number;
  status: DeviceStatus;
  locked: boolean;
}

export interface BankHooks {
  count(name: string): void;
  now(): Date;
}

/** Asked only when a token is about to be sent: true means delivery fails (OBD000097). */
export type TokenDeliveryCheck = () => boolean;

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function newToken(): string {
  let token = '';
  for (let i = 0; i < 6; i++) token += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return token;
}

function formatCpf(cpf: string): string {
  return `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`;
}

function parseJsonBody(rawBody: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (rawBody === undefined || rawBody.trim() === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(rawBody) as unknown };
  } catch {
    return { ok: false };
  }
}

export class SimulatedBank {
  private readonly accounts = new Map<string, Account>();
  private readonly devices = new Map<string, Device>();
  /** Device key → device, so the approver's token lookup does not scan every device (benchmarks hold 10,000). */
  private readonly devicesByKey = new Map<string, Device>();
  /** Readers waiting for a device's next token (`waitForToken`), by lower-cased device key. */
  private readonly tokenWaiters = new Map<string, Array<() => void>>();
  private requester = { configured: true, canCreateDevices: true };

  constructor(
    private readonly hooks: BankHooks,
    private readonly defaultTokenAttemptLimit: number,
  ) {}

  /** Accounts, devices and the requester setup as plain JSON (see PersistentState). */
  snapshot(): unknown {
    return {
      accounts: [...this.accounts].map(([key, account]) => [key, { ...account, approvers: [...account.approvers] }]),
      devices: [...this.devices],
      requester: this.requester,
    };
  }

  restore(saved: unknown): void {
    const state = saved as
      | {
          accounts: Array<[string, Omit<Account, 'approvers'> & { approvers: string[] }]>;
          devices: Array<[string, Device]>;
          requester: { configured: boolean; canCreateDevices: boolean };
        }
      | undefined;
    if (!state) return;
    this.reset();
    for (const [key, account] of state.accounts)
      this.accounts.set(key, { ...account, approvers: new Set(account.approvers) });
    for (const [key, device] of state.devices) {
      this.devices.set(key, device);
      this.devicesByKey.set(device.deviceKey, device);
    }
    this.requester = state.requester;
  }

  reset(): void {
    this.accounts.clear();
    this.devices.clear();
    this.devicesByKey.clear();
    this.requester = { configured: true, canCreateDevices: true };
  }

  /** Registers an account; answers the zod issues when the setup is malformed. */
  setupAccount(input: unknown): string[] {
    const parsed = accountSetupSchema.safeParse(input);
    if (!parsed.success) return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    const setup = parsed.data;
    this.accounts.set(setup.account_key.toLowerCase(), {
      kind: setup.kind,
      approvers: new Set(setup.approvers),
      tokenAttemptLimit: setup.token_attempt_limit ?? this.defaultTokenAttemptLimit,
    });
    return [];
  }

  setupRequester(input: unknown): string[] {
    const parsed = requesterSetupSchema.safeParse(input);
    if (!parsed.success) return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    this.requester = { configured: parsed.data.configured, canCreateDevices: parsed.data.can_create_devices };
    return [];
  }

  sentToken(deviceKey: string): SentToken | undefined {
    const device = this.devicesByKey.get(deviceKey.toLowerCase());
    if (!device) return undefined;
    return {
      device_key: device.deviceKey,
      token: device.token ?? null,
      contact_type: device.contactType,
      tokens_sent: device.tokensSent,
      failed_attempts: device.failedAttempts,
      status: device.status,
      locked: device.locked,
    };
  }

  /**
   * The sent token once more than `afterSent` tokens were sent to the device, waiting up to
   * `waitMs` for it (an approver's phone receives the SMS; a reader need not poll). Resolves with
   * what `sentToken` shows at that point (undefined for an unknown device), token or not.
   */
  async waitForToken(deviceKey: string, afterSent: number, waitMs: number): Promise<SentToken | undefined> {
    const key = deviceKey.toLowerCase();
    const ready = () => {
      const sent = this.sentToken(key);
      return sent?.token && sent.tokens_sent > afterSent ? sent : undefined;
    };
    if (ready() || waitMs <= 0) return this.sentToken(key);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      const waiters = this.tokenWaiters.get(key) ?? [];
      waiters.push(done);
      this.tokenWaiters.set(key, waiters);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
    return this.sentToken(key);
  }

  create(accountKeyParam: string, rawBody: string | undefined, deliveryFails: TokenDeliveryCheck): BankAnswer {
    if (!this.requester.configured) return bankError('OBD000093');
    if (!this.requester.canCreateDevices) return bankError('OBD000094');
    if (!UUID_V4_PATTERN.test(accountKeyParam)) return bankError('QIT000001', { account_key: 'must be a UUID v4' });

    const json = parseJsonBody(rawBody);
    if (!json.ok || typeof json.value !== 'object' || json.value === null) return this.schemaError();
    const candidate = json.value as Record<string, unknown>;
    if (candidate.tfa_info === undefined || candidate.tfa_info === null) return bankError('OBD000091');
    const body = createDeviceBodySchema.safeParse(candidate);
    if (!body.success) {
      const badDeviceInfo = body.error.issues.some(
        (issue) => issue.path[0] === 'device_key' || issue.path[0] === 'session_id',
      );
      if (badDeviceInfo) return bankError('OBD000092');
      return this.schemaError();
    }

    const accountKey = accountKeyParam.toLowerCase();
    const accountProblem = this.accountProblem(accountKey);
    if (accountProblem) return accountProblem;
    const account = this.accounts.get(accountKey)!;
    const { device_key, session_id, tfa_info } = body.data;
    if (!account.approvers.has(tfa_info.approver_document_number)) return bankError('OBD000090');

    const deviceKey = device_key.toLowerCase();
    const id = this.deviceId(accountKey, deviceKey);
    if (this.devices.has(id)) return bankError('SIM000001');

    const now = this.hooks.now().toISOString();
    const liveness = tfa_info.contact_type === 'liveness';
    if (!liveness && deliveryFails()) return bankError('OBD000097');

    const device: Device = {
      accountKey,
      deviceKey,
      sessionId: session_id,
      approverCpf: tfa_info.approver_document_number,
      contactType: tfa_info.contact_type,
      ...(tfa_info.image_key === undefined ? {} : { imageKey: tfa_info.image_key }),
      status: liveness ? 'registered' : 'not_registered',
      analysisStatus: liveness ? 'automatically_approved' : 'pending',
      tokensSent: 0,
      failedAttempts: 0,
      locked: false,
      createdAt: now,
      statusEvents: [{ new_status: liveness ? 'registered' : 'not_registered', event_date: now }],
      ...(liveness ? { registrationDate: now } : {}),
    };
    if (!liveness) this.sendToken(device);
    this.devices.set(id, device);
    this.devicesByKey.set(device.deviceKey, device);
    this.hooks.count('devicesCreated');
    return {
      status: 202,
      body: { device_key: deviceKey, device_status: liveness ? 'created' : 'pending_2fa_approval', created_at: now },
    };
  }

  validate(accountKey: string, deviceKey: string, rawBody: string | undefined): BankAnswer {
    const accountProblem = this.accountProblem(accountKey.toLowerCase());
    if (accountProblem) return accountProblem;
    const json = parseJsonBody(rawBody);
    const body = json.ok ? validateTokenBodySchema.safeParse(json.value) : undefined;
    if (!body?.success) return this.schemaError();

    const device = this.devices.get(this.deviceId(accountKey, deviceKey));
    if (!device || device.status === 'deactivated') return bankError('OBD000100');
    if (device.locked) return bankError('OBD000099');
    // A token is good once: after approval it no longer matches anything.
    if (device.status !== 'not_registered' || device.token !== body.data.token) {
      device.failedAttempts += 1;
      const limit = this.accounts.get(device.accountKey)?.tokenAttemptLimit ?? this.defaultTokenAttemptLimit;
      if (device.status === 'not_registered' && device.failedAttempts >= limit) {
        device.locked = true;
        delete device.token;
        this.hooks.count('devicesLocked');
        return bankError('OBD000099');
      }
      this.hooks.count('wrongTokens');
      return bankError('OBD0000100');
    }

    const now = this.hooks.now().toISOString();
    device.status = 'registered';
    device.analysisStatus = 'automatically_approved';
    device.registrationDate = now;
    device.statusEvents.push({ new_status: 'registered', event_date: now });
    delete device.token;
    this.hooks.count('tokensValidated');
    return {
      status: 201,
      body: { device_key: device.deviceKey, device_status: 'created', created_at: device.createdAt },
    };
  }

  resend(
    accountKey: string,
    deviceKey: string,
    rawBody: string | undefined,
    deliveryFails: TokenDeliveryCheck,
  ): BankAnswer {
    const accountProblem = this.accountProblem(accountKey.toLowerCase());
    if (accountProblem) return accountProblem;
    const json = parseJsonBody(rawBody);
    const body = json.ok ? resendTokenBodySchema.safeParse(json.value) : undefined;
    if (!body?.success) return this.schemaError();

    const device = this.devices.get(this.deviceId(accountKey, deviceKey));
    if (!device || device.status === 'deactivated') return bankError('OBD000100');
    if (device.locked) return bankError('OBD000099');
    if (device.status !== 'not_registered' || device.contactType === 'liveness') return bankError('SIM000002');
    if (deliveryFails()) return bankError('OBD000097');

    if (body.data.contact_type) device.contactType = body.data.contact_type;
    this.sendToken(device);
    this.hooks.count('tokensResent');
    return {
      status: 202,
      body: { device_key: device.deviceKey, device_status: 'pending_2fa_approval', created_at: device.createdAt },
    };
  }

  read(accountKey: string, deviceKey: string): BankAnswer {
    if (!this.accounts.has(accountKey.toLowerCase())) return bankError('OBD000002');
    const device = this.devices.get(this.deviceId(accountKey, deviceKey));
    if (!device) return bankError('OBD000100');
    this.hooks.count('statusReads');
    return {
      status: 200,
      body: {
        device_key: device.deviceKey,
        session_id: device.sessionId,
        analysis_status: device.analysisStatus,
        status: device.status,
        device_registration_data: {
          device_key: device.deviceKey,
          session_id: device.sessionId,
          document_number: formatCpf(device.approverCpf),
          registration_date: device.registrationDate ?? null,
          ...(device.imageKey === undefined ? {} : { face_recognition_key: device.imageKey }),
        },
        analysis_status_events: [
          {
            new_analisys_status: device.analysisStatus,
            reason: null,
            reason_description: null,
            event_date: device.createdAt,
          },
        ],
        status_events: device.statusEvents,
        registration_date: device.registrationDate ?? null,
        created_at: device.createdAt,
      },
    };
  }

  disable(accountKey: string, deviceKey: string): BankAnswer {
    const accountProblem = this.accountProblem(accountKey.toLowerCase());
    if (accountProblem) return accountProblem;
    const device = this.devices.get(this.deviceId(accountKey, deviceKey));
    if (!device) return bankError('OBD000100');
    if (device.status !== 'deactivated') {
      const now = this.hooks.now().toISOString();
      device.status = 'deactivated';
      device.statusEvents.push({ new_status: 'deactivated', event_date: now });
      delete device.token;
      this.hooks.count('devicesDisabled');
    }
    return {
      status: 200,
      body: { device_key: device.deviceKey, device_status: 'disabled', created_at: device.createdAt },
    };
  }

  private sendToken(device: Device): void {
    device.token = newToken();
    device.tokensSent += 1;
    this.hooks.count('tokensSent');
    const key = device.deviceKey.toLowerCase();
    const waiters = this.tokenWaiters.get(key);
    this.tokenWaiters.delete(key);
    // After the create's or re-send's own work, so a woken reader sees the new token.
    if (waiters) queueMicrotask(() => waiters.forEach((wake) => wake()));
  }

  private accountProblem(accountKey: string): BankAnswer | undefined {
    const account = this.accounts.get(accountKey);
    if (!account) return bankError('OBD000002');
    if (account.kind === 'blocked' || account.kind === 'closed') return bankError('OBD000088');
    if (account.kind === 'hub') return bankError('OBD000089');
    return undefined;
  }

  private schemaError(): BankAnswer {
    this.hooks.count('schemaErrors');
    return bankError('QIT000001');
  }

  private deviceId(accountKey: string, deviceKey: string): string {
    return `${accountKey.toLowerCase()}/${deviceKey.toLowerCase()}`;
  }
}
