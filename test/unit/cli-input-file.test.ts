/**
 * `--input-file` as integrators save it (BOM, malformed JSON, missing or unreadable files) and
 * operator-visible ids written with separators, run through the CLI in-process: none of these
 * reach a server (the address is a closed port, so a connection attempt would exit 5).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../client/cli/program';
import type { CliIo } from '../../client/cli/context';
import { EXIT } from '../../client/cli/exit-codes';
import { parseJsonText, readInputText } from '../../client/cli/input-file';

async function run(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { TEMPORAL_ADDRESS: '127.0.0.1:1', KYC_TASK_QUEUE: 'kyc-unit' },
    readStdin: () => stdin,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'kyc-input-'));
const FACTORS = { phone: '13800138000', idCard: '11010519491231002X', name: '张三' };

describe('JSON text', () => {
  it('ignores a leading UTF-8 byte order mark', () => {
    expect(parseJsonText(`\uFEFF${JSON.stringify(FACTORS)}`)).toEqual({ value: FACTORS });
  });

  it.each([
    ['{\n  "phone": "13800138000",\n  "name": }\n', 'unexpected character at line 3, column 11'],
    ['{"a": 1,}', 'expected a property name in double quotes at line 1, column 9'],
    ['{\n"a": 1\n"b": 2}', "expected ',' or '}' at line 3, column 1"],
    ['{"name": "张三', 'unterminated string at line 1, column 13'],
    ['', 'unexpected end of input at line 1, column 1'],
    ['{"a": 1} x', 'unexpected text after the JSON value at line 1, column 10'],
    ["{'a': 1}", 'expected a property name in double quotes at line 1, column 2'],
    ['\uFEFF{\r\n"a": tru}', 'unexpected character at line 2, column 9'],
  ])('names line and column for %p', (text, expected) => {
    expect(parseJsonText(text)).toEqual({ problem: `is not valid JSON: ${expected}` });
  });

  it('never quotes the text, which holds personal data', () => {
    const result = parseJsonText('{"idCard": "11010519491231002X" "phone": "13800138000"}');
    expect(JSON.stringify(result)).not.toMatch(/1101|1380/);
  });
});

describe('kyc phone check --input-file', () => {
  it('reads a file saved "UTF-8 with BOM" (the factors reach validation, not a JSON error)', async () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, `\uFEFF${JSON.stringify({ ...FACTORS, idCard: '110101199013010012' })}`);
    const { code, stderr } = await run(['phone', 'check', '--request-id', 'r1', '--input-file', file]);
    expect(code).toBe(EXIT.invalidInput);
    // Parsed: the impossible birth date is what refuses it, before any call.
    expect(stderr).toContain('idCard has an impossible birth date');
    expect(stderr).not.toContain('110101199013010012');
  });

  it('says a missing file is not found', async () => {
    const file = join(dir, 'absent.json');
    const { code, stderr } = await run(['phone', 'check', '--request-id', 'r1', '--input-file', file]);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain(`${file}: not found`);
  });

  it('says a directory is not a file', async () => {
    const sub = join(dir, 'a-directory');
    mkdirSync(sub, { recursive: true });
    const { stderr } = await run(['phone', 'check', '--request-id', 'r1', '--input-file', sub]);
    expect(stderr).toContain(`${sub}: is a directory`);
  });

  it.each([
    ['EACCES', 'permission denied'],
    ['EPERM', 'permission denied'],
    ['EIO', 'cannot be read (EIO)'],
  ])('says why standard input could not be read (%s)', (code, reason) => {
    const failing = () => {
      throw Object.assign(new Error('read failed'), { code });
    };
    expect(readInputText('-', failing)).toEqual({ problem: `standard input: ${reason}` });
  });

  it('names line and column of malformed JSON', async () => {
    const { code, stderr } = await run(
      ['phone', 'check', '--request-id', 'r1', '--input-file', '-'],
      '{\n  "phone": "13800138000",\n  "name": \n}',
    );
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('input-file is not valid JSON: unexpected character at line 4, column 1');
  });
});

describe('ids written with separators', () => {
  it.each(['138-0013-8000', '138.0013.8000', '138_0013_8000', '138:0013:8000', '86-138-0013-8000', '0086-13800138000'])(
    'kyc phone check --request-id %s is refused before any call, never echoed',
    async (requestId) => {
      const { code, stderr } = await run([
        'phone',
        'check',
        '--request-id',
        requestId,
        '--phone',
        '13800138000',
        '--id-card',
        '11010519491231002X',
        '--name',
        'N',
      ]);
      expect(code).toBe(EXIT.invalidInput);
      expect(stderr).toContain('requestId looks like a phone or document number (phone)');
      expect(stderr).not.toContain(requestId);
    },
  );

  it('kyc identity start --context-id 529.982.247-25 is refused as a CPF', async () => {
    const { code, stderr } = await run(['identity', 'start', '--context-id', '529.982.247-25']);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('contextId looks like a phone or document number (CPF)');
  });
});
