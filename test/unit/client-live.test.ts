/** The watch display: NDJSON, timestamped lines, or a block redrawn in place on a terminal. */
import { liveMode, showLive, type LiveRender } from '../../client/cli/live';

interface State {
  status: string;
}

async function* states(...statuses: string[]): AsyncGenerator<State> {
  for (const status of statuses) {
    // Like the real stream, each state arrives on a later tick.
    await Promise.resolve();
    yield { status };
  }
}

const render: LiveRender<State> = {
  line: (state) => `status ${state.status}`,
  block: (state) => `Approval\n  status ${state.status}`,
};

function output(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, write: (text: string) => writes.push(text) } };
}

it('chooses JSON, lines or the terminal display', () => {
  expect(liveMode({ write: () => true, isTTY: true }, true)).toBe('json');
  expect(liveMode({ write: () => true, isTTY: false }, false)).toBe('lines');
  expect(liveMode({ write: () => true, isTTY: true }, false)).toBe('terminal');
});

it('prints one JSON document per state', async () => {
  const { writes, out } = output(false);
  const last = await showLive(states('A', 'B'), render, out, 'json');
  expect(writes).toEqual(['{"status":"A"}\n', '{"status":"B"}\n']);
  expect(last).toEqual({ status: 'B' });
});

it('prints one timestamped line per state when piped', async () => {
  const { writes, out } = output(false);
  await showLive(states('A', 'B'), render, out, 'lines');
  expect(writes).toHaveLength(2);
  expect(writes[1]).toMatch(/^\d\d:\d\d:\d\d {2}status B\n$/);
});

it('redraws the block in place on a terminal and ends without the footer', async () => {
  const { writes, out } = output(true);
  await showLive(states('A', 'B'), render, out, 'terminal');
  expect(writes[0]).toMatch(/^Approval\n {2}status A\n {2}watching… updated .* Ctrl-C to stop\n$/);
  // Each later drawing first moves up over the previous one (3 lines) and clears it.
  expect(writes[1]?.startsWith('\x1b[3A\r\x1b[0J')).toBe(true);
  expect(writes[1]).toContain('status B');
  expect(writes.at(-1)).toBe('\x1b[3A\r\x1b[0JApproval\n  status B\n');
});

it('returns undefined for an empty stream and draws nothing', async () => {
  const { writes, out } = output(true);
  expect(await showLive(states(), render, out, 'terminal')).toBeUndefined();
  expect(writes).toEqual([]);
});
