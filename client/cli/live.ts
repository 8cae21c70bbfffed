/**
 * The live display of `watch`. On a terminal it redraws one block in place: on every state change
 * the stream yields, and once a second for the countdowns (a local timer: the server is not
 * asked anything more). Piped, it prints one timestamped line per change; with `--json`, one JSON
 * document per change (NDJSON).
 */
import { clock } from './table';

export interface LiveRender<S> {
  /** One line per change, for logs and pipes. */
  line(state: S, now: number): string;
  /** The full block redrawn on a terminal. */
  block(state: S, now: number): string;
}

export interface LiveOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export type LiveMode = 'json' | 'lines' | 'terminal';

export function liveMode(out: LiveOutput, json: boolean): LiveMode {
  if (json) return 'json';
  return out.isTTY ? 'terminal' : 'lines';
}

/** Shows every state of `stream`; resolves with the last one (undefined if the stream was empty). */
export async function showLive<S>(
  stream: AsyncIterable<S>,
  render: LiveRender<S>,
  out: LiveOutput,
  mode: LiveMode,
): Promise<S | undefined> {
  let last: S | undefined;
  let drawnLines = 0;
  let lastChangeAt = Date.now();

  const draw = (footer: boolean) => {
    if (last === undefined) return;
    const now = Date.now();
    const text =
      render.block(last, now) + (footer ? `\n  watching… updated ${clock(lastChangeAt)} · Ctrl-C to stop` : '');
    // Move up over the previous drawing and clear it, then draw again.
    const erase = drawnLines > 0 ? `\x1b[${drawnLines}A\r\x1b[0J` : '';
    out.write(`${erase}${text}\n`);
    drawnLines = text.split('\n').length;
  };

  const ticker = mode === 'terminal' ? setInterval(() => draw(true), 1000) : undefined;
  try {
    for await (const state of stream) {
      last = state;
      lastChangeAt = Date.now();
      if (mode === 'json') out.write(`${JSON.stringify(state)}\n`);
      else if (mode === 'lines') out.write(`${clock(lastChangeAt)}  ${render.line(state, lastChangeAt)}\n`);
      else draw(true);
    }
  } finally {
    if (ticker) clearInterval(ticker);
    if (mode === 'terminal') draw(false);
  }
  return last;
}
