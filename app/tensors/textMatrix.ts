import { Fp4Error } from '../errors';
import type { ByteSource } from './byteSource';
import type { TensorFile } from './tensorFile';

/**
 * Small hand-made matrices as text: one row per line, values separated by commas, tabs,
 * semicolons or spaces; blank lines and lines starting with '#' are skipped. Read whole (they
 * are small: TEXT_MATRIX_MAX_BYTES), parsed strictly, with line- and column-numbered errors.
 */
export const TEXT_MATRIX_MAX_BYTES = 64 * 1024 * 1024;
export const TEXT_MATRIX_EXTENSIONS = ['.csv', '.tsv', '.txt'];

export function hasTextMatrixName(name: string): boolean {
  const lower = name.toLowerCase();
  return TEXT_MATRIX_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function textError(source: string, message: string): Fp4Error {
  return new Fp4Error('FORMAT', `${source}: not a valid text matrix: ${message}`);
}

const NUMBER = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?|nan)$/i;

function parseValue(text: string): number {
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (lower === 'nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(text);
}

/** Parse the text into rows x cols fp32 values. */
export function parseTextMatrix(text: string, source: string): { rows: number; cols: number; data: Float32Array } {
  const values: number[] = [];
  let cols = -1;
  let rows = 0;
  let separator: RegExp | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    // The first data line decides the separator: tab, comma, semicolon, else runs of spaces.
    separator ??= line.includes('\t') ? /\t/ : line.includes(',') ? /,/ : line.includes(';') ? /;/ : /\s+/;
    const fields = line.split(separator);
    if (cols === -1) cols = fields.length;
    else if (fields.length !== cols) throw textError(source, `line ${i + 1} has ${fields.length} values but the first row has ${cols}`);
    for (let c = 0; c < fields.length; c++) {
      const field = fields[c].trim();
      if (!NUMBER.test(field)) {
        throw textError(source, `line ${i + 1}, column ${c + 1}: ${field === '' ? 'an empty value' : `'${field.slice(0, 32)}'`} is not a number`);
      }
      values.push(parseValue(field));
    }
    rows++;
  }
  if (rows === 0) throw textError(source, 'it holds no rows of numbers');
  return { rows, cols, data: Float32Array.from(values) };
}

/** A text matrix file: one F32 tensor named after the file. */
export async function openTextMatrix(source: ByteSource): Promise<TensorFile> {
  if (source.size > TEXT_MATRIX_MAX_BYTES) {
    throw new Fp4Error('TOO_LARGE', `${source.name}: a text matrix of ${source.size} bytes is larger than the ${TEXT_MATRIX_MAX_BYTES}-byte limit; save large tensors as .npy or .safetensors`);
  }
  const bytes = await source.read(0, source.size);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw textError(source.name, 'it is not UTF-8 text');
  }
  const { rows, cols, data } = parseTextMatrix(text.replace(/^\uFEFF/, ''), source.name);
  const name = source.name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'matrix';
  const bytesOut = new Uint8Array(data.buffer);
  return {
    format: 'text',
    name: source.name,
    tensors: [{ name, dtype: 'F32', shape: [rows, cols], byteLength: bytesOut.length, read: async () => bytesOut }],
    metadata: {},
  };
}
