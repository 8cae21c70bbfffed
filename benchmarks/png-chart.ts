/**
 * A small line chart written as a PNG with nothing but node:zlib (deflate and CRC-32), so the
 * benchmark needs no image library: axes, ticks with digit labels (a 3×5 pixel font), horizontal
 * reference lines and polylines. Labels other than numbers go into the caption of the document
 * that shows the chart. PNG layout from RFC 2083 (8-bit RGB, filter 0 on every row).
 */
import { crc32, deflateSync } from 'node:zlib';

export type Rgb = readonly [number, number, number];

export interface ChartSeries {
  points: ReadonlyArray<readonly [number, number]>;
  color: Rgb;
}

export interface LineChart {
  width: number;
  height: number;
  x: { min: number; max: number; ticks: number[] };
  y: { min: number; max: number; ticks: number[] };
  series: ChartSeries[];
  /** Horizontal reference lines (a goal or a limit), dashed. */
  rules?: Array<{ y: number; color: Rgb }>;
}

// 3×5 digits, '.', '-' and '%': one string of 15 bits per glyph, rows top to bottom.
const GLYPHS: Record<string, string> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001010010010',
  '8': '111101111101111',
  '9': '111101111001111',
  '.': '000000000000010',
  '-': '000000111000000',
  '%': '101001010100101',
};

class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 3).fill(255);
  }
  set(x: number, y: number, [r, g, b]: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const at = (py * this.width + px) * 3;
    this.pixels[at] = r;
    this.pixels[at + 1] = g;
    this.pixels[at + 2] = b;
  }
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thick = 1, dash = 0): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= steps; i++) {
      if (dash > 0 && Math.floor(i / dash) % 2 === 1) continue;
      const x = x0 + ((x1 - x0) * i) / steps;
      const y = y0 + ((y1 - y0) * i) / steps;
      for (let dx = 0; dx < thick; dx++) for (let dy = 0; dy < thick; dy++) this.set(x + dx, y + dy, color);
    }
  }
  text(x: number, y: number, value: string, color: Rgb, scale = 2): void {
    let cursor = x;
    for (const char of value) {
      const glyph = GLYPHS[char];
      if (glyph) {
        for (let row = 0; row < 5; row++)
          for (let col = 0; col < 3; col++)
            if (glyph[row * 3 + col] === '1')
              for (let sx = 0; sx < scale; sx++)
                for (let sy = 0; sy < scale; sy++) this.set(cursor + col * scale + sx, y + row * scale + sy, color);
      }
      cursor += 4 * scale;
    }
  }
}

const textWidth = (value: string, scale = 2) => value.length * 4 * scale - scale;

function label(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** Renders the chart and returns the PNG file's bytes. */
export function renderLineChart(chart: LineChart): Buffer {
  const canvas = new Canvas(chart.width, chart.height);
  const left = 48;
  const right = chart.width - 12;
  const top = 12;
  const bottom = chart.height - 30;
  const px = (x: number) => left + ((x - chart.x.min) / (chart.x.max - chart.x.min)) * (right - left);
  const py = (y: number) => bottom - ((y - chart.y.min) / (chart.y.max - chart.y.min)) * (bottom - top);
  const axis: Rgb = [60, 60, 60];
  const grid: Rgb = [225, 225, 225];

  for (const tick of chart.y.ticks) {
    canvas.line(left, py(tick), right, py(tick), grid);
    const text = label(tick);
    canvas.text(left - 6 - textWidth(text), py(tick) - 5, text, axis);
  }
  for (const tick of chart.x.ticks) {
    canvas.line(px(tick), top, px(tick), bottom, grid);
    const text = label(tick);
    canvas.text(px(tick) - textWidth(text) / 2, bottom + 8, text, axis);
  }
  canvas.line(left, top, left, bottom, axis);
  canvas.line(left, bottom, right, bottom, axis);
  for (const rule of chart.rules ?? []) canvas.line(left, py(rule.y), right, py(rule.y), rule.color, 2, 6);
  for (const series of chart.series) {
    for (let i = 1; i < series.points.length; i++) {
      const [x0, y0] = series.points[i - 1]!;
      const [x1, y1] = series.points[i]!;
      canvas.line(px(x0), py(y0), px(x1), py(y1), series.color, 2);
    }
  }
  return encodePng(canvas.width, canvas.height, canvas.pixels);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** 8-bit RGB pixels (row-major, 3 bytes each) as a PNG file. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width * 3 + 1)] = 0; // filter: none
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(rows, y * (width * 3 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
