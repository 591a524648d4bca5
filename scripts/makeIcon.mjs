#!/usr/bin/env node
// Draws the app icon, build/icon.png (1024 x 1024 RGBA; electron-builder makes the .icns/.ico
// and the Linux sizes from it): a 4 x 4 grid of blocks, like the app's block-scale heatmaps,
// with the blocks of a "4" lit. Run again after changing the design; the PNG is committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const SIZE = 1024;
const root = new URL('..', import.meta.url).pathname;

const BACKGROUND = [24, 28, 40];
const DIM = [52, 78, 120];
const LIT = [255, 160, 40];
/** The "4": rows top to bottom, 1 = lit block. */
const GLYPH = ['1010', '1010', '1111', '0010'];

function insideRoundedSquare(x, y, inset, radius) {
  const lo = inset;
  const hi = SIZE - inset;
  if (x < lo || y < lo || x >= hi || y >= hi) return false;
  const cx = Math.min(Math.max(x, lo + radius), hi - radius);
  const cy = Math.min(Math.max(y, lo + radius), hi - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

const pixels = Buffer.alloc(SIZE * SIZE * 4);
const inset = 64;
const grid = { x0: 208, size: 608, gap: 24 };
const cell = (grid.size - 3 * grid.gap) / 4;
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    const o = (y * SIZE + x) * 4;
    if (!insideRoundedSquare(x, y, inset, 180)) continue; // transparent outside
    let color = BACKGROUND;
    const gx = x - grid.x0;
    const gy = y - grid.x0;
    const col = Math.floor(gx / (cell + grid.gap));
    const row = Math.floor(gy / (cell + grid.gap));
    const inCell = col >= 0 && col < 4 && row >= 0 && row < 4 && gx - col * (cell + grid.gap) < cell && gy - row * (cell + grid.gap) < cell;
    if (inCell && insideRoundedSquare(gx - col * (cell + grid.gap) + (SIZE - cell) / 2, gy - row * (cell + grid.gap) + (SIZE - cell) / 2, (SIZE - cell) / 2, 24)) {
      color = GLYPH[row][col] === '1' ? LIT : DIM;
    }
    pixels.set([...color, 255], o);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(SIZE, 0);
ihdr.writeUInt32BE(SIZE, 4);
ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) pixels.copy(rows, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
mkdirSync(join(root, 'build'), { recursive: true });
writeFileSync(join(root, 'build', 'icon.png'), png);
process.stdout.write(`wrote build/icon.png (${SIZE}x${SIZE}, ${png.length} bytes)\n`);
