/**
 * Element layouts other than "C order, little endian": strided views (PyTorch storages,
 * Fortran-order .npy) and big-endian data. TensorEntry.read() always returns C-order
 * little-endian bytes; these turn the other layouts into that.
 */

/** Row-major (C order) element strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Column-major (Fortran order) element strides of a shape. */
export function fortranStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = 0; i < shape.length; i++) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    // A dimension of size 1 may carry any stride without changing the layout.
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/**
 * The element range [min, max] a strided view touches, relative to its offset; null when the
 * view is empty. Strides may be zero (broadcast) but not negative (PyTorch has none).
 */
export function stridedExtent(shape: readonly number[], strides: readonly number[]): { first: number; last: number } | null {
  let last = 0;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return null;
    last += (shape[i] - 1) * strides[i];
  }
  return { first: 0, last };
}

/**
 * Gather a strided view into a new C-order buffer. `src` holds the elements the view spans,
 * starting with the view's first element; strides count elements.
 */
export function gatherStrided(src: Uint8Array, itemSize: number, shape: readonly number[], strides: readonly number[]): Uint8Array {
  const count = shape.reduce((n, d) => n * d, 1);
  const out = new Uint8Array(count * itemSize);
  if (count === 0) return out;
  if (shape.length === 0) {
    out.set(src.subarray(0, itemSize));
    return out;
  }
  const rank = shape.length;
  const innerLen = shape[rank - 1];
  const innerStride = strides[rank - 1];
  const outer = count / innerLen;
  const index = new Array<number>(rank - 1).fill(0);
  const copyElements = makeElementCopier(src, out, itemSize);
  let srcBase = 0;
  let dst = 0;
  for (let o = 0; o < outer; o++) {
    if (innerStride === 1) {
      out.set(src.subarray(srcBase * itemSize, (srcBase + innerLen) * itemSize), dst * itemSize);
    } else {
      copyElements(srcBase, innerStride, dst, innerLen);
    }
    dst += innerLen;
    // Advance the outer index like an odometer, keeping srcBase in step.
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      srcBase += strides[d];
      if (index[d] < shape[d]) break;
      srcBase -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

type ElementCopier = (srcElement: number, srcStride: number, dstElement: number, count: number) => void;

/** A strided element copy through the widest typed view the alignment allows. */
function makeElementCopier(src: Uint8Array, out: Uint8Array, itemSize: number): ElementCopier {
  const words = itemSize % 4 === 0 && src.byteOffset % 4 === 0 ? itemSize / 4 : 0;
  if (words > 0) {
    const s = new Uint32Array(src.buffer, src.byteOffset, Math.floor(src.byteLength / 4));
    const d = new Uint32Array(out.buffer, out.byteOffset, out.byteLength / 4);
    return (se, ss, de, n) => {
      for (let i = 0; i < n; i++) for (let w = 0; w < words; w++) d[(de + i) * words + w] = s[(se + i * ss) * words + w];
    };
  }
  if (itemSize === 2 && src.byteOffset % 2 === 0) {
    const s = new Uint16Array(src.buffer, src.byteOffset, Math.floor(src.byteLength / 2));
    const d = new Uint16Array(out.buffer, out.byteOffset, out.byteLength / 2);
    return (se, ss, de, n) => {
      for (let i = 0; i < n; i++) d[de + i] = s[se + i * ss];
    };
  }
  return (se, ss, de, n) => {
    for (let i = 0; i < n; i++) {
      const from = (se + i * ss) * itemSize;
      const to = (de + i) * itemSize;
      for (let b = 0; b < itemSize; b++) out[to + b] = src[from + b];
    }
  };
}

/** Reverse the bytes of every element (big endian <-> little endian), into a new buffer. */
export function swapByteOrder(bytes: Uint8Array, itemSize: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  if (itemSize === 1) {
    out.set(bytes);
    return out;
  }
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let b = 0; b < itemSize; b++) out[i + b] = bytes[i + itemSize - 1 - b];
  }
  return out;
}
