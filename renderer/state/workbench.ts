import type { FileSummary, SideSelection } from '../../app/api/contract';
import type { Fp4Format, QuantizeKwargs } from '../../app/quantize/kwargs';
import type { OutDType } from '../../app/matmul/outDtype';
import type { SideName } from './kwargsValidation';

/** What the user has chosen: open files, the tensors in slots A and B, and the kwargs. */
export interface TensorRef {
  readonly fileId: string;
  readonly tensor: string;
}

/** A side's kwargs as the library names them; fp4_format is shared (SharedOptions). */
export type SideKwargs = Partial<Omit<QuantizeKwargs, 'fp4_format'>>;

export interface SharedOptions {
  readonly fp4_format: Fp4Format;
  readonly out_dtype: OutDType;
  /** As typed ("512, 256"); empty for the natural shape. */
  readonly out_shape: string;
  readonly backend: string;
  readonly compareRules: boolean;
}

export interface WorkbenchState {
  readonly files: readonly FileSummary[];
  /** The file whose tensors the browser lists. */
  readonly browsing: string | null;
  readonly slots: Readonly<Record<SideName, TensorRef | null>>;
  readonly kwargs: Readonly<Record<SideName, SideKwargs>>;
  readonly options: SharedOptions;
}

export const INITIAL_WORKBENCH: WorkbenchState = {
  files: [],
  browsing: null,
  slots: { a: null, b: null },
  kwargs: { a: {}, b: {} },
  options: { fp4_format: 'nvfp4', out_dtype: 'bfloat16', out_shape: '', backend: 'auto', compareRules: true },
};

export type WorkbenchAction =
  | { type: 'files'; files: readonly FileSummary[] }
  | { type: 'opened'; file: FileSummary }
  | { type: 'closed'; fileId: string }
  | { type: 'browse'; fileId: string }
  | { type: 'slot'; side: SideName; ref: TensorRef | null }
  | { type: 'swap' }
  | { type: 'kwarg'; side: SideName; key: keyof SideKwargs; value: SideKwargs[keyof SideKwargs] | undefined }
  | { type: 'option'; key: keyof SharedOptions; value: SharedOptions[keyof SharedOptions] };

export function workbenchReducer(state: WorkbenchState, action: WorkbenchAction): WorkbenchState {
  switch (action.type) {
    case 'files':
      return { ...state, files: action.files, browsing: state.browsing ?? action.files[0]?.fileId ?? null };
    case 'opened':
      return { ...state, files: [action.file, ...state.files.filter((f) => f.fileId !== action.file.fileId)], browsing: action.file.fileId };
    case 'closed': {
      const files = state.files.filter((f) => f.fileId !== action.fileId);
      const keep = (ref: TensorRef | null) => (ref && ref.fileId !== action.fileId ? ref : null);
      return {
        ...state,
        files,
        browsing: state.browsing === action.fileId ? (files[0]?.fileId ?? null) : state.browsing,
        slots: { a: keep(state.slots.a), b: keep(state.slots.b) },
      };
    }
    case 'browse':
      return { ...state, browsing: action.fileId };
    case 'slot':
      return { ...state, slots: { ...state.slots, [action.side]: action.ref } };
    case 'swap':
      return { ...state, slots: { a: state.slots.b, b: state.slots.a }, kwargs: { a: state.kwargs.b, b: state.kwargs.a } };
    case 'kwarg': {
      const side = { ...state.kwargs[action.side] } as Record<string, unknown>;
      if (action.value === undefined) delete side[action.key];
      else side[action.key] = action.value;
      return { ...state, kwargs: { ...state.kwargs, [action.side]: side as SideKwargs } };
    }
    case 'option':
      return { ...state, options: { ...state.options, [action.key]: action.value } };
  }
}

/** out_shape as typed -> [rows, cols], null when empty, or an error sentence. */
export function parseOutShape(text: string): { ok: true; value: [number, number] | null } | { ok: false; message: string } {
  const t = text.trim();
  if (t === '') return { ok: true, value: null };
  const parts = t.replace(/^[[(]|[\])]$/g, '').split(/[\s,x×]+/).filter(Boolean);
  const nums = parts.map(Number);
  if (nums.length !== 2 || !nums.every((n) => Number.isInteger(n) && n > 0)) {
    return { ok: false, message: `out_shape must be two positive integers like "512, 256"; got ${JSON.stringify(text)}` };
  }
  return { ok: true, value: [nums[0], nums[1]] };
}

export function fileOf(state: WorkbenchState, fileId: string | null | undefined): FileSummary | undefined {
  return state.files.find((f) => f.fileId === fileId);
}

export function tensorOf(state: WorkbenchState, ref: TensorRef | null) {
  return ref ? fileOf(state, ref.fileId)?.tensors.find((t) => t.name === ref.tensor) : undefined;
}

/** The slot's request side, or null when the slot is empty. */
export function sideSelection(state: WorkbenchState, side: SideName): SideSelection | null {
  const ref = state.slots[side];
  return ref ? { fileId: ref.fileId, tensor: ref.tensor, kwargs: state.kwargs[side] } : null;
}
