/** Plain-text tables and key/value blocks: aligned columns, no colours, safe to pipe. */

/** Display width: CJK characters take two terminal cells. */
export function width(text: string): number {
  let cells = 0;
  for (const char of text)
    cells += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(char)
      ? 2
      : 1;
  return cells;
}

function pad(text: string, cells: number): string {
  return text + ' '.repeat(Math.max(0, cells - width(text)));
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(width(header), ...rows.map((row) => width(row[column] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => pad(cell, widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `label   value` lines with the values aligned. */
export function fields(entries: Array<[string, string | undefined]>, indent = '  '): string {
  const shown = entries.filter((entry): entry is [string, string] => entry[1] !== undefined);
  const labelWidth = Math.max(0, ...shown.map(([label]) => width(label)));
  return shown.map(([label, value]) => `${indent}${pad(label, labelWidth)}  ${value}`).join('\n');
}

/** Local wall-clock time of an ISO string or date, to the second. */
export function clock(at: string | Date | number): string {
  const date = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** Date and time, local, to the second: `2026-11-24 00:50:57`. */
export function timestamp(at: string | Date | number): string {
  const date = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${clock(date)}`;
}
