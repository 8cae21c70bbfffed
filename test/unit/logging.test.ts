import { createLogger, formatJsonLogLine, formatTextLogLine } from '../../common/logging';

const AT = 1_796_000_000_123n * 1_000_000n; // nanoseconds

it('formats an entry as one JSON line: time, level, message and the metadata as fields (no task token)', () => {
  const line = formatJsonLogLine({
    level: 'INFO',
    message: 'Activity completed',
    timestampNanos: AT,
    meta: {
      workflowId: 'device-approval/a/b',
      workflowRunId: 'r1',
      activityType: 'bankCreateDevice',
      attempt: 2,
      taskToken: 'CiQwMWEy',
    },
  });
  expect(line).not.toContain('\n');
  expect(JSON.parse(line)).toEqual({
    time: new Date(1_796_000_000_123).toISOString(),
    level: 'INFO',
    message: 'Activity completed',
    workflowId: 'device-approval/a/b',
    workflowRunId: 'r1',
    activityType: 'bankCreateDevice',
    attempt: 2,
  });
});

it('keeps the fixed fields from metadata, and writes errors and bigints as JSON', () => {
  const line = formatJsonLogLine({
    level: 'WARN',
    message: 'real',
    timestampNanos: AT,
    meta: { message: 'spoofed', level: 'DEBUG', error: new TypeError('bad'), count: 12n },
  });
  expect(JSON.parse(line)).toMatchObject({
    message: 'real',
    level: 'WARN',
    error: { name: 'TypeError', message: 'bad' },
    count: '12',
  });
});

it('a JSON logger writes entries at or above its level, one parseable line each', () => {
  const lines: string[] = [];
  const logger = createLogger('INFO', 'json', (line) => lines.push(line));
  logger.debug('hidden');
  logger.info('shown', { taskQueue: 'kyc' });
  logger.error('also shown');
  expect(lines.map((line) => JSON.parse(line) as { message: string })).toEqual([
    expect.objectContaining({ message: 'shown', taskQueue: 'kyc', level: 'INFO' }),
    expect.objectContaining({ message: 'also shown', level: 'ERROR' }),
  ]);
});

it("formats a text line as the SDK's DefaultLogger does, without the task token", () => {
  const entry = {
    level: 'INFO' as const,
    message: 'Activity completed',
    timestampNanos: AT,
    meta: { activityType: 'bankCreateDevice', attempt: 2, taskToken: 'CiQwMWEy' },
  };
  expect(formatTextLogLine(entry)).toBe(
    `${new Date(1_796_000_000_123).toISOString()} [INFO] Activity completed { activityType: 'bankCreateDevice', attempt: 2 }`,
  );
  expect(formatTextLogLine({ ...entry, meta: { taskToken: 'CiQwMWEy' } })).toBe(
    `${new Date(1_796_000_000_123).toISOString()} [INFO] Activity completed`,
  );
});

it('a text logger writes entries at or above its level, never the task token', () => {
  const lines: string[] = [];
  const logger = createLogger('INFO', 'text', (line) => lines.push(line));
  logger.debug('hidden', { taskToken: 'CiQwMWEy' });
  logger.info('Activity completed', { activityType: 'bankCreateDevice', taskToken: 'CiQwMWEy' });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/\[INFO\] Activity completed \{ activityType: 'bankCreateDevice' \}$/);
  expect(lines[0]).not.toContain('taskToken');
  expect(lines[0]).not.toContain('CiQwMWEy');
});
