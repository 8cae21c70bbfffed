/** Human output: aligned tables, readable states, durations as typed and as shown. */
import { InvalidArgumentError } from 'commander';
import type { DeviceApprovalState } from '../../contracts/device-approval';
import type { IdentityFlowView } from '../../contracts/identity-flow';
import { compact, parseCount, parseDuration, relative } from '../../client/cli/durations';
import {
  approvalLine,
  identityLine,
  renderApprovalList,
  renderApprovalState,
  renderIdentityView,
  renderTokenResult,
} from '../../client/cli/render';
import { fields, table, width } from '../../client/cli/table';
import { parseDeviceRef } from '../../client/device-approval';
import { parseFlowRef } from '../../client/identity-flow';
import { InvalidInputError } from '../../contracts/validation';

const NOW = Date.parse('2026-11-24T01:00:00.000Z');
const ACCOUNT = '6dee9d0a-de79-4615-bbd0-d4a13d788268';
const DEVICE = '8fbaae45-dcd0-4d5a-a209-691c6044241e';

const waiting: DeviceApprovalState = {
  accountKey: ACCOUNT,
  deviceKey: DEVICE,
  status: 'WAITING_FOR_TOKEN',
  contactType: 'sms',
  attemptsLeft: 2,
  resendsLeft: 3,
  deadline: '2026-11-24T01:14:30.000Z',
  nextResendAt: '2026-11-24T01:00:30.000Z',
  transitions: [
    { status: 'CREATING', at: '2026-11-24T00:59:00.000Z' },
    { status: 'WAITING_FOR_TOKEN', at: '2026-11-24T00:59:01.000Z' },
    { status: 'VALIDATING', at: '2026-11-24T00:59:40.000Z' },
    { status: 'WAITING_FOR_TOKEN', at: '2026-11-24T00:59:41.000Z', detail: 'wrong token' },
  ],
};

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
  ])('parses %p', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('refuses what is not a duration or a count', () => {
    expect(() => parseDuration('15')).toThrow(InvalidArgumentError);
    expect(() => parseDuration('0s')).toThrow(/positive/);
    expect(() => parseCount('-1')).toThrow(InvalidArgumentError);
    expect(parseCount('3')).toBe(3);
  });

  it('shows relative times', () => {
    expect(relative(NOW + 14 * 60_000 + 30_000, NOW)).toBe('in 14m 30s');
    expect(relative(NOW - 5_000, NOW)).toBe('5s ago');
    expect(compact(3 * 86_400_000 + 3_600_000)).toBe('3d 1h');
  });
});

describe('tables', () => {
  it('aligns columns, counting CJK characters as two cells', () => {
    expect(width('认证通过')).toBe(8);
    expect(
      table(
        ['A', 'B'],
        [
          ['认证', 'x'],
          ['abcde', 'y'],
        ],
      ),
    ).toBe('A      B\n认证   x\nabcde  y');
    expect(
      fields([
        ['status', 'OK'],
        ['skipped', undefined],
        ['attempts left', '2'],
      ]),
    ).toBe('  status         OK\n  attempts left  2');
  });
});

describe('device approval output', () => {
  it('shows one line per change with counters, deadline and the last detail', () => {
    expect(approvalLine(waiting, NOW)).toBe(
      'WAITING_FOR_TOKEN  attempts 2 · re-sends 3  deadline in 14m 30s  (wrong token)',
    );
  });

  it('shows the state block with its history', () => {
    const text = renderApprovalState(`device-approval/${ACCOUNT}/${DEVICE}`, waiting, NOW);
    expect(text).toContain('status         WAITING_FOR_TOKEN');
    expect(text).toContain('next re-send   in 30s');
    expect(text).toMatch(/WAITING_FOR_TOKEN {2}wrong token$/m);
  });

  it('drops the countdown once the approval ended', () => {
    const approved: DeviceApprovalState = { ...waiting, status: 'APPROVED' };
    expect(renderApprovalState('w', approved, NOW)).not.toMatch(/deadline.*\(in /);
    expect(approvalLine(approved, NOW)).not.toContain('deadline');
  });

  it('words token outcomes', () => {
    expect(renderTokenResult({ outcome: 'wrong', attemptsLeft: 1 })).toBe('Wrong token: 1 attempt left.');
    expect(renderTokenResult({ outcome: 'accepted' })).toBe('Token accepted: the device is APPROVED.');
  });

  it('lists approvals as a table', () => {
    const text = renderApprovalList(
      [
        {
          workflowId: `device-approval/${ACCOUNT}/${DEVICE}`,
          runId: 'r',
          execution: 'RUNNING',
          startTime: new Date(NOW - 65_000),
          accountKey: ACCOUNT,
          deviceKey: DEVICE,
          status: 'WAITING_FOR_TOKEN',
          contactType: 'sms',
        },
      ],
      NOW,
    );
    expect(text.split('\n')[0]).toMatch(/^STATUS\s+CONTACT\s+ACCOUNT\s+DEVICE\s+STARTED\s+RUN$/);
    expect(text).toContain(`WAITING_FOR_TOKEN  sms      ${ACCOUNT}  ${DEVICE}  1m 5s ago  RUNNING`);
    expect(renderApprovalList([], NOW)).toBe('No device approvals match.');
  });
});

describe('identity flow output', () => {
  const view: IdentityFlowView = {
    flowId: '877980873016911184',
    phase: 'TRACKING',
    outline: {
      flowId: '877980873016911184',
      flowStatus: 'ING',
      objectType: 'INDIVIDUAL',
      contextId: 'order-1001',
      failReason: null,
      createTime: NOW - 60_000,
      modifyTime: NOW - 10_000,
      subFlows: [{ subFlowId: 's1', subFlowType: 'INDIVIDUAL_TELECOM_3_FACTOR', status: 'ING' }],
      relatedFlows: [],
    },
    lastCheckedAt: NOW - 2_000,
    lastChangedAt: NOW - 10_000,
    checks: 12,
    changes: 2,
    callbacks: 0,
    run: 1,
    deadlineAt: NOW + 86_400_000,
    authUrl: 'http://127.0.0.1:1/web/identity/auth/877980873016911184',
    shortLink: null,
    result: null,
  };

  it('shows status, sub-flows and counters', () => {
    expect(identityLine(view)).toBe('ING      INDIVIDUAL_TELECOM_3_FACTOR ING  checks 12 · changes 2 · callbacks 0');
    const text = renderIdentityView('identity-flow/877980873016911184', view, NOW);
    expect(text).toContain('last checked  2s ago');
    expect(text).toContain('user link     http://127.0.0.1:1/web/identity/auth/877980873016911184');
  });

  it('shows the result once done', () => {
    const done: IdentityFlowView = {
      ...view,
      phase: 'DONE',
      result: {
        status: 'FAIL',
        flowId: view.flowId,
        reason: 'face mismatch',
        providerCode: null,
        outline: view.outline,
      },
    };
    expect(identityLine(done)).toBe('DONE  FAIL: face mismatch');
    expect(renderIdentityView('w', done, NOW)).not.toContain('user link');
  });
});

describe('references', () => {
  it('reads an approval as keys or as its workflow id, lower-casing keys', () => {
    const expected = { accountKey: ACCOUNT, deviceKey: DEVICE };
    expect(parseDeviceRef(`${ACCOUNT}/${DEVICE}`)).toEqual(expected);
    expect(parseDeviceRef(`device-approval/${ACCOUNT.toUpperCase()}/${DEVICE}`)).toEqual(expected);
    expect(() => parseDeviceRef(ACCOUNT)).toThrow(InvalidInputError);
    expect(() => parseDeviceRef(`${ACCOUNT}/${DEVICE}/x`)).toThrow(/must be <accountKey>\/<deviceKey>/);
  });

  it('reads a flow as its id or its tracking workflow id', () => {
    expect(parseFlowRef('877980873016911184')).toBe('877980873016911184');
    expect(parseFlowRef('identity-flow/877980873016911184')).toBe('877980873016911184');
    expect(() => parseFlowRef('a b')).toThrow(/flowId must be 1-64/);
  });
});

describe('re-send timing', () => {
  it('says a re-send is possible now once the cooldown has passed', () => {
    const text = renderApprovalState('w', { ...waiting, nextResendAt: '2026-11-24T00:59:00.000Z' }, NOW);
    expect(text).toContain('next re-send   now');
  });
});
