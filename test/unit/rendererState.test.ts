import { describe, expect, it } from 'vitest';
import type { FileSummary } from '../../app/api/contract';
import { kwargsErrors } from '../../renderer/state/kwargsValidation';
import { checkRequest } from '../../renderer/state/requestValidation';
import { INITIAL_WORKBENCH, parseOutShape, workbenchReducer, type WorkbenchAction, type WorkbenchState } from '../../renderer/state/workbench';

const file: FileSummary = {
  fileId: 'file-1',
  name: 'model.safetensors',
  format: 'safetensors',
  size: 1,
  tensors: [
    { name: 'w', dtype: 'BF16', shape: [64, 96], bytes: 0, matrix: [64, 96] },
    { name: 'x', dtype: 'F32', shape: [2, 20, 96], bytes: 0, matrix: [40, 96] },
    { name: 'y', dtype: 'F32', shape: [40, 80], bytes: 0, matrix: [40, 80] },
    { name: 'ids', dtype: 'I64', shape: [10], bytes: 0, matrix: null, note: 'I64 is not a floating-point type' },
  ],
};

function state(...actions: WorkbenchAction[]): WorkbenchState {
  return actions.reduce(workbenchReducer, workbenchReducer(INITIAL_WORKBENCH, { type: 'opened', file }));
}
const slot = (side: 'a' | 'b', tensor: string): WorkbenchAction => ({ type: 'slot', side, ref: { fileId: 'file-1', tensor } });

describe('kwarg errors sit next to the kwarg that causes them', () => {
  it('charges an adaptive rule with mxfp4 to scale_rule, a bad seed to seed', () => {
    expect(Object.keys(kwargsErrors('a', { scale_rule: 'mse' }, 'mxfp4'))).toEqual(['a.scale_rule']);
    expect(Object.keys(kwargsErrors('a', {}, 'mxfp4'))).toEqual(['a.scale_rule']); // the default rule is adaptive
    expect(kwargsErrors('b', { scale_rule: 'always_6' }, 'mxfp4')).toEqual({});
    expect(Object.keys(kwargsErrors('b', { seed: 2 ** 32 }, 'nvfp4'))).toEqual(['b.seed']);
    expect(Object.keys(kwargsErrors('a', { had: 3 }, 'nvfp4'))).toEqual(['a.had']);
  });
});

describe('the request the page sends', () => {
  it('is built from the slots, kwargs and shared options', () => {
    const s = state(slot('a', 'w'), slot('b', 'x'), { type: 'kwarg', side: 'a', key: 'scale_rule', value: 'l1_norm' }, { type: 'option', key: 'out_dtype', value: 'float32' });
    const { request, problems, elements } = checkRequest(s);
    expect(problems).toEqual({});
    expect(elements).toBe(64 * 96 + 40 * 96);
    expect(request).toEqual({
      a: { fileId: 'file-1', tensor: 'w', kwargs: { scale_rule: 'l1_norm' } },
      b: { fileId: 'file-1', tensor: 'x', kwargs: {} },
      options: { fp4_format: 'nvfp4', out_dtype: 'float32', backend: 'auto', compareRules: true },
    });
  });

  it('is held back with a reason per input: columns of B, out_shape, an integer tensor', () => {
    expect(checkRequest(state(slot('a', 'w'), slot('b', 'y'))).problems['b.tensor']).toMatch(/same number of columns/);
    // columns are compared after transpose: x (40x96) transposed has 40 columns
    expect(checkRequest(state(slot('a', 'w'), slot('b', 'x'), { type: 'kwarg', side: 'b', key: 'transpose', value: true })).problems['b.tensor']).toMatch(/A has 96, B has 40/);
    const shape = checkRequest(state(slot('a', 'w'), slot('b', 'x'), { type: 'option', key: 'out_shape', value: '64, 41' }));
    expect(shape.request).toBeNull();
    expect(shape.problems.out_shape).toMatch(/\[64, 40\]/);
    expect(checkRequest(state(slot('a', 'w'), slot('b', 'x'), { type: 'option', key: 'out_shape', value: '(64, 40)' })).request?.options.out_shape).toEqual([64, 40]);
    expect(checkRequest(state(slot('a', 'ids'))).problems['a.tensor']).toMatch(/floating-point/);
    expect(checkRequest(state()).problems['a.tensor']).toMatch(/pick a tensor/);
  });

  it('parses out_shape as typed', () => {
    expect(parseOutShape('')).toEqual({ ok: true, value: null });
    expect(parseOutShape('512 x 256')).toEqual({ ok: true, value: [512, 256] });
    expect(parseOutShape('[3,4]')).toEqual({ ok: true, value: [3, 4] });
    expect(parseOutShape('3')).toMatchObject({ ok: false });
    expect(parseOutShape('3, -4')).toMatchObject({ ok: false });
  });

  it('empties the slots of a closed file and swaps sides with their kwargs', () => {
    const swapped = state(slot('a', 'w'), slot('b', 'x'), { type: 'kwarg', side: 'a', key: 'transpose', value: true }, { type: 'swap' });
    expect(swapped.slots.a?.tensor).toBe('x');
    expect(swapped.kwargs.b).toEqual({ transpose: true });
    const closed = workbenchReducer(swapped, { type: 'closed', fileId: 'file-1' });
    expect(closed.slots).toEqual({ a: null, b: null });
    expect(closed.browsing).toBeNull();
  });
});
