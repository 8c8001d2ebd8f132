#!/usr/bin/env node
/**
 * Draws the placeholder application icon, build/icon.png (512 x 512 RGBA), with no download and no
 * image library: two interlocking rings (an exchange between two neighbours) on a rounded square,
 * rendered from signed distances with anti-aliased edges, encoded as PNG with node:zlib.
 * electron-builder derives the Windows .ico and the macOS .icns from it.
 *
 *   node build/make-icon.mjs [out.png]
 *
 * Replace it with the designed icon when there is one (same path, at least 512 x 512).
 */
import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 512;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** PNG of an RGBA pixel buffer (width * height * 4 bytes). */
export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const clamp = (v) => Math.min(1, Math.max(0, v));

/** Signed distance to a rounded square centred in the canvas. */
function roundedSquare(x, y, half, radius) {
  const qx = Math.abs(x) - half + radius;
  const qy = Math.abs(y) - half + radius;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

const ring = (x, y, cx, cy, r, width) => Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2;

export function drawIcon(size = SIZE) {
  const rgba = Buffer.alloc(size * size * 4);
  const s = size / 512;
  const background = [31, 111, 92]; // deep green
  const rings = [245, 247, 240];
  const accent = [242, 183, 5]; // the exchanged resource: warm amber
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const x = px + 0.5 - size / 2;
      const y = py + 0.5 - size / 2;
      const shape = clamp(0.5 - roundedSquare(x, y, 232 * s, 96 * s));
      const left = clamp(0.5 - ring(x, y, -62 * s, 0, 104 * s, 34 * s));
      const right = clamp(0.5 - ring(x, y, 62 * s, 0, 104 * s, 34 * s));
      const dot = clamp(0.5 - (Math.hypot(x, y) - 30 * s));
      let color = background;
      const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);
      color = mix(color, rings, Math.max(left, right));
      color = mix(color, accent, dot);
      const i = (py * size + px) * 4;
      rgba[i] = Math.round(color[0]);
      rgba[i + 1] = Math.round(color[1]);
      rgba[i + 2] = Math.round(color[2]);
      rgba[i + 3] = Math.round(255 * shape);
    }
  }
  return encodePng(size, size, rgba);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'icon.png');
  writeFileSync(out, drawIcon());
  console.log(`wrote ${out}`);
}
