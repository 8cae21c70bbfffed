/** The identity-flow contract: input validation before any provider call, ids, and what counts as a change. */
import {
  identityFlowStarterWorkflowId,
  identityFlowWorkflowId,
  outlineFingerprint,
  startIdentityFlowInputSchema,
  trackIdentityFlowInputSchema,
  type IdentityOutline,
} from '../../contracts/identity-flow';
import { InvalidInputError, parseInput } from '../../contracts/validation';

const outline: IdentityOutline = {
  flowId: '803719636976683872',
  flowStatus: 'ING',
  objectType: 'ORGANIZATION',
  contextId: 'ctx',
  failReason: null,
  createTime: 1562656814273,
  modifyTime: 1562656874000,
  subFlows: [
    { subFlowId: 'b', subFlowType: 'ORGANIZATION_INFO_AUTH', status: 'ING' },
    { subFlowId: 'a', subFlowType: 'ORGANIZATION_TRANSFER_RANDOM_AMOUNT', status: 'ING' },
  ],
  relatedFlows: [
    {
      flowId: '802965095964494307',
      flowStatus: 'SUCCESS',
      objectType: 'INDIVIDUAL',
      contextId: 'ctx',
      failReason: null,
      subFlows: [{ subFlowId: 'c', subFlowType: 'INDIVIDUAL_BANKCARD_4_FACTOR', status: 'SUCCESS' }],
    },
  ],
};

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues.map((issue) => issue.field);
    throw error;
  }
  throw new Error('expected InvalidInputError');
}

describe('identity-flow inputs', () => {
  it('fills in the recommended policies', () => {
    const parsed = parseInput(trackIdentityFlowInputSchema, { flowId: '803719636976683872' }, 'input');
    expect(parsed.polling).toMatchObject({ initialIntervalMs: 5_000, maxIntervalMs: 300_000, backoffCoefficient: 1.5 });
    expect(parsed.deadlineMs).toBe(7 * 24 * 60 * 60 * 1000);
    expect(parsed.continueAsNewAfterEvents).toBe(2_000);
  });

  it('names every bad field', () => {
    expect(
      issuesOf(() =>
        parseInput(
          trackIdentityFlowInputSchema,
          { flowId: '80/../1', polling: { initialIntervalMs: 100, maxIntervalMs: 10 }, deadlineMs: -1 },
          'input',
        ),
      ),
    ).toEqual(expect.arrayContaining(['flowId', 'polling.maxIntervalMs', 'deadlineMs']));
    expect(
      issuesOf(() =>
        parseInput(startIdentityFlowInputSchema, { contextId: 'Zhang San 110105', objectType: 'PERSON' }, 'start'),
      ),
    ).toEqual(['contextId', 'objectType']);
  });

  it('never echoes the rejected value in the message', () => {
    const error = (() => {
      try {
        parseInput(
          startIdentityFlowInputSchema,
          { contextId: '11010519491231002X name', objectType: 'INDIVIDUAL' },
          'start',
        );
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a failure');
    })();
    expect(error.message).not.toContain('11010519491231002X');
  });
});

describe('identity-flow ids', () => {
  it('derives the tracking id from the flow id and the starter id from the caller context id', () => {
    expect(identityFlowWorkflowId('803719636976683872')).toBe('identity-flow/803719636976683872');
    expect(identityFlowStarterWorkflowId('order-42')).toBe('identity-flow-start/order-42');
  });
});

describe('outline fingerprint', () => {
  const fingerprint = outlineFingerprint(outline);

  it('ignores timestamps and ordering', () => {
    expect(outlineFingerprint({ ...outline, modifyTime: 1, subFlows: [...outline.subFlows].reverse() })).toBe(
      fingerprint,
    );
  });

  it('changes with the status, a sub-flow, a related flow or the fail reason', () => {
    expect(outlineFingerprint({ ...outline, flowStatus: 'SUCCESS' })).not.toBe(fingerprint);
    expect(
      outlineFingerprint({
        ...outline,
        subFlows: [{ ...outline.subFlows[0]!, status: 'SUCCESS' }, outline.subFlows[1]!],
      }),
    ).not.toBe(fingerprint);
    expect(
      outlineFingerprint({
        ...outline,
        subFlows: [...outline.subFlows, { subFlowId: 'd', subFlowType: 'NEW_TYPE', status: 'ING' }],
      }),
    ).not.toBe(fingerprint);
    expect(outlineFingerprint({ ...outline, relatedFlows: [] })).not.toBe(fingerprint);
    expect(outlineFingerprint({ ...outline, failReason: 'x' })).not.toBe(fingerprint);
  });
});
