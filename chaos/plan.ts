/**
 * The seeded plan of a chaos run: which flows run (each with the final state its script implies),
 * when they start, and when a worker is killed or the server restarted. Pure: the same seed and
 * size give the same plan, so a failing run can be replayed with `--seed`.
 */

/** mulberry32: a small, fast, well-distributed 32-bit PRNG (Tommy Ettinger's public-domain generator). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  float(): number {
    return this.next();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of items) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return items[items.length - 1]![0];
  }

  /** A UUID v4 drawn from this generator (reproducible, unlike crypto.randomUUID). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(0, 15).toString(16));
    hex[12] = '4';
    hex[16] = (8 + this.int(0, 3)).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  digits(count: number): string {
    return Array.from({ length: count }, () => String(this.int(0, 9))).join('');
  }
}

// ---------------------------------------------------------------------------------------------
// Flow scripts

export type DeviceVariant = 'approve' | 'liveness' | 'lock' | 'cancel-update' | 'cancel-workflow' | 'expire';
export type IdentityVariant = 'callback' | 'duplicate-start' | 'forged-callback' | 'polling-only' | 'provider-expired';

export interface DeviceScript {
  kind: 'device';
  variant: DeviceVariant;
  contactType: 'sms' | 'email' | 'liveness';
  /** Wrong tokens typed before the right one (approve) or until LOCKED (lock). */
  wrongTokens: number;
  resends: number;
  /** A second start of the same approval while it runs (must attach, not create again). */
  duplicateStart: boolean;
  /** Milliseconds the approver waits before acting. */
  thinkMs: number;
  expected: { status: 'APPROVED' | 'LOCKED' | 'CANCELLED' | 'EXPIRED'; bankStatus: 'registered' | 'deactivated' };
}

export interface IdentityScript {
  kind: 'identity';
  variant: IdentityVariant;
  objectType: 'INDIVIDUAL' | 'ORGANIZATION';
  /** Milliseconds before the user opens the flow (ING), then before it ends. */
  openAfterMs: number;
  finishAfterMs: number;
  expected: { status: 'SUCCESS' | 'FAIL' | 'EXPIRED' };
}

/** Phone suffix → the outcome the gateway simulator answers (simulators/phone-gateway/outcomes.ts). */
export const PHONE_OUTCOME_BY_SUFFIX: Readonly<Record<string, string>> = {
  '00': 'VERIFIED',
  '04': 'MISMATCH',
  '06': 'INVALID_INPUT',
  '07': 'INVALID_INPUT',
  '08': 'INVALID_INPUT',
  '09': 'NO_RECORD',
  '12': 'DAILY_LIMIT',
  '13': 'UNSUPPORTED_NUMBER',
  /** Busy on every call: the check gives up after its retries. */
  '11': 'FAILED',
};

export interface PhoneScript {
  kind: 'phone';
  suffix: string;
  unansweredCall: 'retry' | 'fail';
  /** A second request with the same request id while the first runs (must join it). */
  duplicateStart: boolean;
  expected: { outcome: string };
}

export type FlowScript = (DeviceScript | IdentityScript | PhoneScript) & {
  /** `device-17`, `identity-3`, `phone-42`: the flow's name in the report. */
  name: string;
  /** Milliseconds after the load starts. */
  startAt: number;
};

export interface ChaosEvent {
  at: number;
  kind: 'kill-worker' | 'restart-server';
  /** For kill-worker: which worker slot (0 or 1). */
  slot?: number;
  /** How long the worker stays dead, or the server down, before it is started again. */
  downMs: number;
}

export interface ChaosPlan {
  seed: number;
  flows: FlowScript[];
  events: ChaosEvent[];
  /** Milliseconds over which flows start. */
  loadMs: number;
}

export interface PlanOptions {
  seed: number;
  flows: number;
  loadMs: number;
  workerKills: number;
  serverRestarts: number;
}

function deviceScript(random: Random): DeviceScript {
  const variant = random.weighted<DeviceVariant>([
    ['approve', 5],
    ['liveness', 1],
    ['lock', 1.5],
    ['cancel-update', 1],
    ['cancel-workflow', 1],
    ['expire', 1],
  ]);
  const tokenContact = random.pick(['sms', 'email'] as const);
  const base = {
    kind: 'device' as const,
    variant,
    contactType: variant === 'liveness' ? ('liveness' as const) : tokenContact,
    wrongTokens: 0,
    resends: 0,
    duplicateStart: random.chance(0.15),
    thinkMs: random.int(200, 4000),
  };
  switch (variant) {
    case 'approve':
      // At most one wrong token: a retried validation may count it twice at the bank (limit 5).
      return {
        ...base,
        wrongTokens: random.int(0, 1),
        resends: random.weighted([
          [0, 3],
          [1, 2],
          [2, 1],
        ]),
        expected: { status: 'APPROVED', bankStatus: 'registered' },
      };
    case 'liveness':
      return { ...base, expected: { status: 'APPROVED', bankStatus: 'registered' } };
    case 'lock':
      return { ...base, wrongTokens: 3, expected: { status: 'LOCKED', bankStatus: 'deactivated' } };
    case 'cancel-update':
    case 'cancel-workflow':
      return { ...base, resends: random.int(0, 1), expected: { status: 'CANCELLED', bankStatus: 'deactivated' } };
    case 'expire':
      return { ...base, expected: { status: 'EXPIRED', bankStatus: 'deactivated' } };
  }
}

function identityScript(random: Random): IdentityScript {
  const variant = random.weighted<IdentityVariant>([
    ['callback', 4],
    ['duplicate-start', 1],
    ['forged-callback', 1],
    ['polling-only', 2],
    ['provider-expired', 1],
  ]);
  const ends: 'SUCCESS' | 'FAIL' = random.chance(0.7) ? 'SUCCESS' : 'FAIL';
  return {
    kind: 'identity',
    variant,
    objectType: random.chance(0.8) ? 'INDIVIDUAL' : 'ORGANIZATION',
    openAfterMs: random.int(500, 5000),
    finishAfterMs: random.int(1000, 15000),
    expected: { status: variant === 'provider-expired' ? 'EXPIRED' : ends },
  };
}

function phoneScript(random: Random): PhoneScript {
  const suffix = random.weighted<string>([
    ['00', 6],
    ['04', 2],
    ['06', 0.5],
    ['07', 0.5],
    ['08', 0.5],
    ['09', 0.5],
    ['12', 0.5],
    ['13', 0.5],
    ['11', 0.7],
  ]);
  return {
    kind: 'phone',
    suffix,
    unansweredCall: random.chance(0.75) ? 'retry' : 'fail',
    duplicateStart: random.chance(0.15),
    expected: { outcome: PHONE_OUTCOME_BY_SUFFIX[suffix]! },
  };
}

export function makePlan(options: PlanOptions): ChaosPlan {
  const random = new Random(options.seed);
  const flows: FlowScript[] = [];
  const counters = { device: 0, identity: 0, phone: 0 };
  for (let index = 0; index < options.flows; index++) {
    const kind = random.weighted<'device' | 'identity' | 'phone'>([
      ['device', 4],
      ['identity', 3],
      ['phone', 3],
    ]);
    const script =
      kind === 'device' ? deviceScript(random) : kind === 'identity' ? identityScript(random) : phoneScript(random);
    counters[kind] += 1;
    flows.push({ ...script, name: `${kind}-${counters[kind]}`, startAt: Math.floor(random.float() * options.loadMs) });
  }
  flows.sort((a, b) => a.startAt - b.startAt);

  // Faults of the stack land inside the load window, spread out so each one meets flows in flight.
  const events: ChaosEvent[] = [];
  const total = options.workerKills + options.serverRestarts;
  const slots = Array.from({ length: total }, (_, index) => index);
  const restartSlots = new Set<number>();
  while (restartSlots.size < Math.min(options.serverRestarts, total)) restartSlots.add(random.pick(slots));
  let slot = random.int(0, 1);
  for (let index = 0; index < total; index++) {
    const window = options.loadMs / total;
    const at = Math.floor(window * index + window * (0.25 + 0.5 * random.float()));
    if (restartSlots.has(index)) {
      events.push({ at, kind: 'restart-server', downMs: random.int(1000, 4000) });
    } else {
      slot = 1 - slot;
      events.push({ at, kind: 'kill-worker', slot, downMs: random.int(1000, 6000) });
    }
  }
  return { seed: options.seed, flows, events, loadMs: options.loadMs };
}

// ---------------------------------------------------------------------------------------------
// Made-up personal data (valid shapes, so the client accepts them), drawn from the plan's generator

/** A CPF with valid check digits (Receita Federal's modulus-11 rule). */
export function makeCpf(random: Random): string {
  for (;;) {
    const base = random.digits(9);
    if (/^(\d)\1+$/.test(base)) continue;
    const digit = (digits: string) => {
      const sum = [...digits].reduce((acc, d, i) => acc + Number(d) * (digits.length + 1 - i), 0);
      const rest = (sum * 10) % 11;
      return rest === 10 ? 0 : rest;
    };
    const first = digit(base);
    return `${base}${first}${digit(`${base}${first}`)}`;
  }
}

/** A resident ID number with a valid birth date and ISO 7064 MOD 11-2 check character (GB 11643). */
export function makeResidentId(random: Random): string {
  const year = random.int(1955, 2000);
  const month = String(random.int(1, 12)).padStart(2, '0');
  const day = String(random.int(1, 28)).padStart(2, '0');
  const body = `110105${year}${month}${day}${random.digits(3)}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((acc, d, i) => acc + Number(d) * weights[i]!, 0);
  return `${body}${'10X98765432'[sum % 11]}`;
}

const NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨帆', '黄磊', '赵敏', '周杰', '吴昊'];

export function makeName(random: Random): string {
  return random.pick(NAMES);
}
