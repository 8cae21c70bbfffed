/** SDK errors become the library's typed errors, and each kind gets its own CLI exit code. */
import { ServiceError, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState, TerminatedFailure, ValueError } from '@temporalio/common';
import { CommanderError } from 'commander';
import { ConfigError } from '../../common/config';
import { PayloadDecryptionError } from '../../common/payload-codec';
import { InvalidInputError } from '../../contracts/validation';
import { EXIT, errorAsJson, exitCodeFor } from '../../client/cli/exit-codes';
import { InterruptedError } from '../../client/cli/signals';
import type { KycContext } from '../../client/context';
import {
  AlreadyFinishedError,
  FlowFailedError,
  FlowNotFoundError,
  ReadAfterStartError,
  ResultUnreadableError,
  TemporalConnectionError,
  UpdateRefusedError,
} from '../../client/errors';
import { rootFailure, toKycError } from '../../client/failures';
import { readAfterStart, type StartedFlow } from '../../client/starting';

// toKycError never calls the server: only the configuration is read from the context.
const context = {
  config: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'kyc' },
  queryTimeoutMs: 1000,
} as unknown as KycContext;
const at = { workflowId: 'device-approval/a/b', operation: 'submitToken', update: 'submitToken' };

/** gRPC status codes (from the gRPC spec): CANCELLED, UNAVAILABLE and DEADLINE_EXCEEDED. */
const grpcStatus = { CANCELLED: 1, UNAVAILABLE: 14, DEADLINE_EXCEEDED: 4 };

function grpcError(code: number): Error {
  return Object.assign(new Error(`${code} grpc`), { code, details: 'x', metadata: {} });
}

describe('toKycError', () => {
  it('turns a refused update into UpdateRefusedError with the failure type and reason', () => {
    const refusal = ApplicationFailure.create({ type: 'ResendCooldown', message: 'the next re-send is allowed at T' });
    const error = toKycError(context, new WorkflowUpdateFailedError('Workflow Update failed', refusal), at);
    expect(error).toBeInstanceOf(UpdateRefusedError);
    expect(error).toMatchObject({
      failureType: 'ResendCooldown',
      reason: 'the next re-send is allowed at T',
      update: 'submitToken',
    });
  });

  it('finds the innermost typed failure of a failed workflow', () => {
    const cause = new ActivityFailure(
      'activity failed',
      'checkPhoneThreeFactors',
      '1',
      RetryState.MAXIMUM_ATTEMPTS_REACHED,
      undefined,
      ApplicationFailure.create({ type: 'PhoneGatewayBusy', message: 'the verification centre is busy' }),
    );
    const error = toKycError(context, new WorkflowFailedError('failed', cause, RetryState.NON_RETRYABLE_FAILURE), at);
    expect(error).toBeInstanceOf(FlowFailedError);
    expect(error).toMatchObject({ failureType: 'PhoneGatewayBusy', reason: 'the verification centre is busy' });
    expect(rootFailure(new TerminatedFailure('stopped by an operator'))).toEqual({
      type: 'TerminatedFailure',
      message: 'stopped by an operator',
    });
  });

  it('reports an unreachable server as TemporalConnectionError naming the address', () => {
    const error = toKycError(context, new ServiceError('failed', { cause: grpcError(grpcStatus.UNAVAILABLE) }), at);
    expect(error).toBeInstanceOf(TemporalConnectionError);
    expect(error.message).toContain('127.0.0.1:7233');
  });

  it('says a query deadline means no worker answered', () => {
    const error = toKycError(context, grpcError(grpcStatus.DEADLINE_EXCEEDED), { ...at, operation: 'query state' });
    expect(error).toBeInstanceOf(TemporalConnectionError);
    expect(error.message).toMatch(/no worker answered query state/);
    // A worker that cannot decrypt the client's input fails its tasks and answers nothing: say so.
    expect(error.message).toContain("with this client's active payload key among its KYC_PAYLOAD_KEYS");
  });

  it('says a query the server cancelled while it waited also means no worker answered, not "cancelled"', () => {
    // Seen on `kyc device start` with no worker under load: "query state failed: cancelled".
    const error = toKycError(context, grpcError(grpcStatus.CANCELLED), { ...at, operation: 'query state' });
    expect(error).toBeInstanceOf(TemporalConnectionError);
    expect(error.message).toMatch(/no worker answered query state \(the server stopped waiting for one\)/);
    expect(error.message).not.toContain('failed: cancelled');
  });

  it('reports an answer encrypted with an unknown key as ResultUnreadableError: applied for an update or a start', () => {
    const decryption = new PayloadDecryptionError(
      'payload encrypted with unknown key id "new-1": add it to KYC_PAYLOAD_KEYS',
    );
    const update = toKycError(context, decryption, at);
    expect(update).toBeInstanceOf(ResultUnreadableError);
    expect(update).toMatchObject({ workflowId: at.workflowId, operation: 'submitToken', applied: true });
    expect(update.message).toContain('submitToken was carried out on workflow device-approval/a/b');
    expect(update.message).toContain('do not repeat it');
    const start = toKycError(context, decryption, { workflowId: 'w', operation: 'start identity flow' });
    expect(start).toMatchObject({ applied: true });
  });

  it('reports an unreadable query answer as not applied, and a codec-less client by its missing keys', () => {
    const query = toKycError(context, new ValueError('Unknown encoding: binary/encrypted'), {
      workflowId: 'w',
      operation: 'query state',
    });
    expect(query).toMatchObject({ applied: false, detail: 'it is encrypted and this client has no payload keys' });
    expect(query.message).toMatch(/^the answer to query state of workflow w cannot be decoded/);
    expect((query as ResultUnreadableError).afterAction('start device approval')).toMatchObject({
      operation: 'start device approval',
      applied: true,
    });
    // Another ValueError is not about encryption.
    const other = new ValueError('Unknown encoding: binary/protobuf');
    expect(toKycError(context, other, at)).toBe(other);
  });

  it('passes other errors through unchanged', () => {
    const other = new Error('something else');
    expect(toKycError(context, other, at)).toBe(other);
  });
});

describe('exit codes', () => {
  it.each([
    [new InvalidInputError('x', [{ field: 'token', message: 'bad' }]), EXIT.invalidInput],
    [new UpdateRefusedError('w', 'submitToken', 'InvalidState', 'no'), EXIT.refused],
    [new AlreadyFinishedError('w', 'COMPLETED', 'submitToken'), EXIT.refused],
    [new FlowNotFoundError('w'), EXIT.notFound],
    [new TemporalConnectionError('a', 'down'), EXIT.connection],
    [new ConfigError(['TEMPORAL_ADDRESS: bad']), EXIT.connection],
    [new FlowFailedError('w', 'T', 'm'), EXIT.flowFailed],
    [new ResultUnreadableError('w', 'submitToken', true, 'unknown key'), EXIT.unreadable],
    [new ReadAfterStartError('w', 'phone check', true, 'kyc phone status r', 'down'), EXIT.readAfterStart],
    [new InterruptedError(), EXIT.interrupted],
    [new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), EXIT.ok],
    [new CommanderError(1, 'commander.help', '(outputHelp)'), EXIT.invalidInput],
    [new CommanderError(1, 'commander.unknownOption', 'unknown option'), EXIT.invalidInput],
    [new Error('bug'), EXIT.unexpected],
  ])('%p exits %p', (error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });

  it('gives every kind a different code', () => {
    const codes = [
      EXIT.ok,
      EXIT.unexpected,
      EXIT.invalidInput,
      EXIT.refused,
      EXIT.notFound,
      EXIT.connection,
      EXIT.flowFailed,
      EXIT.unreadable,
      EXIT.readAfterStart,
    ];
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('serialises typed fields for --json', () => {
    expect(errorAsJson(new UpdateRefusedError('w', 'resendToken', 'ResendCooldown', 'later'))).toEqual({
      type: 'UpdateRefusedError',
      kind: 'refused',
      message: 'resendToken refused by w (ResendCooldown): later',
      workflowId: 'w',
      update: 'resendToken',
      failureType: 'ResendCooldown',
      reason: 'later',
    });
    expect(errorAsJson(new InvalidInputError('x', [{ field: 'token', message: 'bad' }]))).toMatchObject({
      issues: [{ field: 'token', message: 'bad' }],
    });
  });
});

describe('readAfterStart', () => {
  const flow: StartedFlow = {
    workflowId: 'device-approval/a/b',
    started: true,
    flow: 'device approval',
    operation: 'start device approval',
    statusCommand: 'kyc device status device-approval/a/b',
  };
  const failing = (error: Error) => () => Promise.reject(error);

  it('returns what the read gives', async () => {
    expect(await readAfterStart(flow, () => Promise.resolve(42))).toBe(42);
  });

  it.each([
    ['an unreachable server', new TemporalConnectionError('127.0.0.1:7233', 'query state failed: cancelled')],
    ['a workflow not found', new FlowNotFoundError('device-approval/a/b')],
    ['an unexpected error', new Error('socket hang up')],
  ])(
    'reports %s after the start as ReadAfterStartError naming the workflow and the status command',
    async (_what, cause) => {
      const error = await readAfterStart(flow, failing(cause)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ReadAfterStartError);
      expect(error).toMatchObject({ workflowId: flow.workflowId, started: true, detail: cause.message });
      expect((error as Error).message).toBe(
        `started device approval device-approval/a/b, but reading its state failed: ${cause.message} ` +
          '(see `kyc device status device-approval/a/b`)',
      );
      expect(exitCodeFor(error)).toBe(EXIT.readAfterStart);
    },
  );

  it('says "attached to" when the start attached to the run already there', async () => {
    const error = await readAfterStart({ ...flow, started: false }, failing(new Error('x'))).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toMatch(/^attached to device approval device-approval\/a\/b, but reading/);
  });

  it("passes the flow's own failure through, and marks an undecodable answer as carried out", async () => {
    const failed = new FlowFailedError('w', 'PhoneGatewayAuthRejected', 'rejected');
    await expect(readAfterStart(flow, failing(failed))).rejects.toBe(failed);
    const unreadable = new ResultUnreadableError('device-approval/a/b', 'query state', false, 'unknown key id k2');
    await expect(readAfterStart(flow, failing(unreadable))).rejects.toMatchObject({
      name: 'ResultUnreadableError',
      operation: 'start device approval',
      applied: true,
    });
  });
});
