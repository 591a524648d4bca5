/**
 * Expected failures are values with a code and a sentence a user can act on
 * ("tensor 'lm_head.weight' is 3-D; ..."). Bugs stay ordinary Errors.
 */
export type Fp4ErrorCode =
  | 'INVALID_ARGUMENT' // a kwarg, shape or value the engine refuses
  | 'NON_FINITE' // NaN/Inf in an input matrix
  | 'UNSUPPORTED' // a valid request we do not implement (e.g. a GGUF quant type)
  | 'FORMAT' // a file whose bytes do not follow its format
  | 'NOT_FOUND' // a tensor/file name that does not exist
  | 'TOO_LARGE' // a size beyond a safety limit
  | 'CANCELLED'
  | 'BACKEND_UNAVAILABLE'
  | 'CUDA_OOM' // the GPU ran out of memory (the same request may fit on the cpu backend)
  | 'IO';

export class Fp4Error extends Error {
  readonly code: Fp4ErrorCode;
  constructor(code: Fp4ErrorCode, message: string) {
    super(message);
    this.name = 'Fp4Error';
    this.code = code;
  }
}

export function invalidArgument(message: string): Fp4Error {
  return new Fp4Error('INVALID_ARGUMENT', message);
}

export function isFp4Error(e: unknown): e is Fp4Error {
  return e instanceof Error && (e as Partial<Fp4Error>).name === 'Fp4Error' && typeof (e as Partial<Fp4Error>).code === 'string';
}
