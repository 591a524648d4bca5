import { readFileSync } from 'node:fs';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { decodeToFloat32, floatDTypeOf, matrixShapeOf } from '../../app/tensors/decode';
import type { Matrix } from '../../app/tensors/matrix';
import { openSafetensors } from '../../app/tensors/safetensors';
import type { TensorFile } from '../../app/tensors/tensorFile';
import { findTensor } from '../../app/tensors/tensorFile';

/** A whole safetensors file in memory, with helpers to pull raw bytes and matrices out of it. */
export class LoadedSafetensors {
  private constructor(readonly file: TensorFile, private readonly bytes: Map<string, Uint8Array>) {}

  static async load(path: string): Promise<LoadedSafetensors> {
    const file = await openSafetensors(memoryByteSource(new Uint8Array(readFileSync(path)), path));
    const bytes = new Map<string, Uint8Array>();
    for (const t of file.tensors) bytes.set(t.name, await t.read());
    return new LoadedSafetensors(file, bytes);
  }

  has(name: string): boolean {
    return this.bytes.has(name);
  }

  raw(name: string): Uint8Array {
    findTensor(this.file, name);
    return this.bytes.get(name)!;
  }

  shape(name: string): readonly number[] {
    return findTensor(this.file, name).shape;
  }

  floats(name: string): Float32Array {
    return decodeToFloat32(this.raw(name), findTensor(this.file, name).dtype);
  }

  matrix(name: string): Matrix {
    const entry = findTensor(this.file, name);
    const [rows, cols] = matrixShapeOf(entry.shape);
    return { rows, cols, data: this.floats(name), dtype: floatDTypeOf(entry.dtype) };
  }
}
