/**
 * The CLI's usage and validation paths, run in-process: these never reach a server (the address
 * points at a closed port, so any attempt to connect would exit 5 instead of the code expected).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactUsageError, runCli } from '../../client/cli/program';
import type { CliIo } from '../../client/cli/context';
import { EXIT } from '../../client/cli/exit-codes';

const CPF = '52998224725';
const ACCOUNT = '6dee9d0a-de79-4615-bbd0-d4a13d788268';
const DEVICE = '8fbaae45-dcd0-4d5a-a209-691c6044241e';

const PAYLOAD_KEYS = `unit:${randomBytes(32).toString('base64')}`;
const EMPTY_DATA_DIR = mkdtempSync(join(tmpdir(), 'kyc-cli-usage-'));

async function run(
  args: string[],
  stdin = '',
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      KYC_TASK_QUEUE: 'kyc-unit',
      KYC_PAYLOAD_KEYS: PAYLOAD_KEYS,
      // An empty data dir: a demo profile in this checkout must not change what these tests see.
      KYC_DATA_DIR: EMPTY_DATA_DIR,
      ...env,
    },
    readStdin: () => stdin,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('help', () => {
  it('lists the commands and the exit codes, exiting 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/device\s+device two-factor approvals/);
    expect(stdout).toMatch(/identity\s+identity-verification flows/);
    expect(stdout).toMatch(/phone\s+phone three-factor check/);
    expect(stdout).toContain('3  refused by the workflow');
  });

  it.each([
    ['device', 'start', '--account-key <uuid>'],
    ['device', 'token', '<approval> <token>'],
    ['device', 'list', '--waiting'],
    ['identity', 'list', '--older-than <duration>'],
    ['phone', 'check', '--request-id <id>'],
  ])('%s %s --help documents its options', async (group, command, expected) => {
    const { code, stdout } = await run([group, command, '--help']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain(expected);
  });

  it('exits 2 with the group help when the subcommand is missing', async () => {
    const { code, stderr } = await run(['device']);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('Usage: kyc device');
  });
});

describe('usage errors', () => {
  it('exits 2 for an unknown option or a bad choice', async () => {
    expect((await run(['device', 'list', '--bogus'])).code).toBe(EXIT.invalidInput);
    const badChoice = await run(['device', 'list', '--status', 'DONE']);
    expect(badChoice.code).toBe(EXIT.invalidInput);
    expect(badChoice.stderr).toContain('Allowed choices are CREATING');
  });

  it('exits 2 for a bad duration', async () => {
    const { code, stderr } = await run(['identity', 'list', '--older-than', 'soon']);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('expected a duration');
  });
});

describe('input validation happens before connecting', () => {
  it('names the bad token field and never prints the token', async () => {
    const { code, stderr } = await run(['device', 'token', `${ACCOUNT}/${DEVICE}`, 'AB#1']);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('token must be exactly 6 letters or digits');
    expect(stderr).not.toContain('AB#1');
  });

  it('names the bad part of an approval reference', async () => {
    const { code, stderr } = await run(['device', 'status', `${ACCOUNT}/not-a-uuid`]);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('deviceKey must be a UUID version 4');
  });

  it('names every bad field of a device start, without echoing the CPF', async () => {
    const badCpf = '52998224700';
    const { code, stderr } = await run(
      [
        'device',
        'start',
        '--account-key',
        ACCOUNT,
        '--device-key',
        DEVICE,
        '--contact-type',
        'sms',
        '--input-file',
        '-',
      ],
      JSON.stringify({ approverCpf: badCpf }),
    );
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('sessionId');
    expect(stderr).toContain('approverCpf is not a valid CPF');
    expect(stderr).not.toContain(badCpf);
  });

  it('applies the cross-field rule once the fields themselves are valid', async () => {
    const { code, stderr } = await run(
      [
        'device',
        'start',
        '--account-key',
        ACCOUNT,
        '--device-key',
        DEVICE,
        '--session-id',
        ACCOUNT,
        '--contact-type',
        'liveness',
        '--input-file',
        '-',
      ],
      JSON.stringify({ approverCpf: CPF }),
    );
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('imageKey is required when contactType is liveness');
    expect(stderr).not.toContain(CPF);
  });

  it('reports a missing or unreadable input file as invalid input', async () => {
    const { code, stderr } = await run(['phone', 'check', '--request-id', 'r1', '--input-file', '-'], '{not json');
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('input-file is not valid JSON');
  });

  it('refuses a phone check whose request id looks like personal data', async () => {
    const { code, stderr } = await run([
      'phone',
      'check',
      '--request-id',
      '13812345678',
      '--phone',
      '13812345678',
      '--id-card',
      '11010519491231002X',
      '--name',
      'N',
    ]);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('requestId looks like a phone or document number');
    expect(stderr).not.toContain('13812345678');
  });

  it('names the bad phone factors and prints them nowhere', async () => {
    const { code, stderr } = await run([
      'phone',
      'check',
      '--request-id',
      'r1',
      '--phone',
      '2381234567',
      '--id-card',
      '110105194912310021',
      '--name',
      'N',
    ]);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toMatch(/phone must be a mainland mobile number.*idCard has a wrong check character/);
    expect(stderr).not.toContain('2381234567');
    expect(stderr).not.toContain('110105194912310021');
  });

  it('offers only the two unanswered-call policies, before connecting', async () => {
    const { code, stderr } = await run(['phone', 'check', '--request-id', 'r1', '--unanswered-call', 'maybe']);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain("argument '…' is invalid");
    expect(stderr).toMatch(/retry, fail/);
  });

  it('refuses an identity request id shaped like a document number', async () => {
    const { code, stderr } = await run(['identity', 'start', '--context-id', '11010519491231002X']);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('contextId looks like a phone or document number');
  });

  it('prints the error as JSON with --json', async () => {
    const { code, stderr } = await run(['--json', 'device', 'token', `${ACCOUNT}/${DEVICE}`, 'short']);
    expect(code).toBe(EXIT.invalidInput);
    expect(JSON.parse(stderr)).toEqual({
      error: {
        type: 'InvalidInputError',
        message: 'invalid submitToken: token must be exactly 6 letters or digits',
        issues: [{ field: 'token', message: 'must be exactly 6 letters or digits' }],
      },
    });
  });
});

describe('configuration', () => {
  it('exits 5 when the server cannot be reached', async () => {
    const { code, stderr } = await run(['device', 'status', `${ACCOUNT}/${DEVICE}`]);
    expect(code).toBe(EXIT.connection);
    expect(stderr).toContain('cannot use the Temporal server at 127.0.0.1:1');
  });

  it('exits 5 without a payload key, naming KYC_PAYLOAD_KEYS and the demo key file, after validating the input', async () => {
    const noKey = { KYC_PAYLOAD_KEYS: undefined };
    const { code, stderr } = await run(['device', 'status', `${ACCOUNT}/${DEVICE}`], '', noKey);
    expect(code).toBe(EXIT.connection);
    expect(stderr).toContain('KYC_PAYLOAD_KEYS: is not set');
    expect(stderr).toContain('.data/payload-keys');
    expect(stderr).toContain('KYC_PAYLOAD_ENCRYPTION=off');
    expect(stderr).not.toContain('cannot use the Temporal server');
    // Bad input is still reported first, by field.
    expect((await run(['device', 'token', `${ACCOUNT}/${DEVICE}`, '12'], '', noKey)).code).toBe(EXIT.invalidInput);
  });

  it('exits 5 for an invalid configuration', async () => {
    const { code, stderr } = await run(['device', 'list'], '', { TEMPORAL_CODEC_ENDPOINT: 'codec' });
    expect(code).toBe(EXIT.connection);
    expect(stderr).toContain('TEMPORAL_CODEC_ENDPOINT: must be an absolute URL');
  });

  it('takes an empty TEMPORAL_* variable as unset, and refuses an empty flag', async () => {
    // TEMPORAL_ADDRESS= would have been "too small", TEMPORAL_API_KEY= would have turned TLS on.
    const empty = await run(['device', 'list'], '', {
      TEMPORAL_NAMESPACE: '',
      KYC_TASK_QUEUE: ' ',
      TEMPORAL_API_KEY: '',
    });
    expect(empty.stderr).toContain('cannot use the Temporal server at 127.0.0.1:1');
    expect(empty.stderr).not.toMatch(/TEMPORAL_NAMESPACE|KYC_TASK_QUEUE|TLS/);
    expect(empty.code).toBe(EXIT.connection);
    const { code, stderr } = await run(['--namespace', '', 'device', 'list']);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('--namespace must not be empty');
  });
});

describe('usage errors never repeat what was typed', () => {
  it.each([
    [
      ['phone', 'check', '--request-id', 'x1', '--idcard=11010519491231002X'],
      "unknown option '--idcard=…'",
      '11010519491231002X',
    ],
    [
      ['device', 'start', '--contact-type', '52998224725'],
      "option '--contact-type <type>' argument '…' is invalid",
      '52998224725',
    ],
    [['phone', 'check', '--request-id', 'r1', '--unanswered-call', '张三'], "argument '…' is invalid", '张三'],
    [['device', 'list', '13800138000'], 'too many arguments', '13800138000'],
    [['张三', 'start'], "unknown command '…'", '张三'],
  ])('%j', async (args, shown, typed) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain(shown);
    expect(stderr).not.toContain(typed);
  });
});

describe("usage errors keep the program's own names", () => {
  it.each([
    [['device', 'token'], "error: missing required argument 'approval'"],
    [['identity', 'status'], "error: missing required argument 'flow'"],
    [['phone', 'status'], "error: missing required argument 'request-id'"],
    [['device', 'start', '--deadline'], "error: option '--deadline <duration>' argument missing"],
    [['phone', 'check'], "error: required option '--request-id <id>' not specified"],
    [['device', 'list', 'x'], "error: too many arguments for 'list'."],
  ])('%j', async (args, shown) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain(shown);
  });

  it('redacts a quoted text unless the program defines it', () => {
    const names = new Set(['approval', '--deadline <duration>']);
    expect(redactUsageError("error: missing required argument 'approval'", names)).toBe(
      "error: missing required argument 'approval'",
    );
    expect(redactUsageError("error: missing required argument 'approval'")).toBe(
      "error: missing required argument '…'",
    );
    expect(redactUsageError("error: option '--deadline <duration>' argument 'Maria Silva' is invalid.", names)).toBe(
      "error: option '--deadline <duration>' argument '…' is invalid.",
    );
  });
});

describe('a start command given no input at all', () => {
  it.each([
    [['device', 'start'], 'no device approval input given', '--account-key, --device-key'],
    [['device', 'start', '--deadline', '15m'], 'no device approval input given', '--approver-cpf'],
    [['phone', 'check', '--request-id', 'r1'], 'no phone check input given', '--phone, --id-card and --name'],
  ])('%j says the input is missing and how to give it, not one schema error per field', async (args, what, flags) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain(
      `error: ${what}: pass it as JSON with --input-file <path>, or --input-file - to read standard input`,
    );
    expect(stderr).toContain(flags);
    expect(stderr).not.toContain('expected string');
  });

  it('still lists the missing fields when some input was given', async () => {
    const { code, stderr } = await run(['device', 'start', '--account-key', ACCOUNT]);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('invalid device approval input');
    expect(stderr).toContain('deviceKey');
  });
});
