import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unswizzleScales } from '../../app/quantize/blockedLayout';
import { dequantizeFromFp4 } from '../../app/quantize/dequantize';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import { runFp4lab } from '../helpers/cli';
import { goldenDir } from '../helpers/paths';
import { LoadedSafetensors } from '../helpers/safetensorsFile';

const dir = mkdtempSync(join(tmpdir(), 'fp4lab-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const golden = (f: string): string => join(goldenDir(), f);

describe('fp4lab CLI on the golden inputs', () => {
  it('quantize writes the quantized-tensor file, byte-exact with the reference (q0216: mse, 100x200)', async () => {
    const out = join(dir, 'q.safetensors');
    const r = runFp4lab(['quantize', golden('x11_randn_100x200.safetensors'), '--tensor', 'x', '-o', out, '--scale-rule', 'mse', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.padded_shape).toEqual([128, 256]);
    const ours = await LoadedSafetensors.load(out);
    const ref = await LoadedSafetensors.load(golden('q0216.safetensors'));
    expect(ours.file.metadata.kwargs && JSON.parse(ours.file.metadata.kwargs).scale_rule).toBe('mse');
    expect(JSON.parse(ours.file.metadata.original_shape)).toEqual([100, 200]);
    expect(ours.file.tensors.find((t) => t.name === 'sf')?.dtype).toBe('F8_E4M3');
    expect(ours.raw('normconst')).toEqual(ref.raw('normconst'));
    const [, refHalf] = ref.shape('e2m1');
    for (let row = 0; row < 100; row++) {
      expect(ours.raw('e2m1').subarray(row * 128, row * 128 + 100)).toEqual(ref.raw('e2m1').subarray(row * refHalf, row * refHalf + 100));
    }
    const ourSf = unswizzleScales(ours.raw('sf'), 128, 16);
    const refSf = unswizzleScales(ref.raw('sf'), ref.shape('e2m1')[0], (refHalf * 2) / 16);
    for (let row = 0; row < 100; row++) expect(ourSf.subarray(row * 16, row * 16 + 13)).toEqual(refSf.subarray(row * ((refHalf * 2) / 16), row * ((refHalf * 2) / 16) + 13));

    // dequantize gives the engine's values.
    const deq = join(dir, 'd.safetensors');
    const d = runFp4lab(['dequantize', out, '-o', deq]);
    expect(d.status).toBe(0);
    const x = (await LoadedSafetensors.load(golden('x11_randn_100x200.safetensors'))).matrix('x');
    const expected = dequantizeFromFp4(quantizeToFp4(x, { scale_rule: 'mse' }));
    const got = await LoadedSafetensors.load(deq);
    expect(got.shape('x')).toEqual([100, 200]);
    expect(got.floats('x')).toEqual(expected.data);
  });

  it('matmul from high-precision tensors and from quantized files reproduces the golden out (m00 mse, bf16)', async () => {
    const g = await LoadedSafetensors.load(golden('m00_nvfp4_mse_mse_bfloat16.safetensors'));
    const common = ['--a-scale-rule', 'mse', '--b-scale-rule', 'mse', '--out-shape', '128,64'];
    const out1 = join(dir, 'out1.safetensors');
    const f = golden('m00_nvfp4_mse_mse_bfloat16.safetensors');
    const r1 = runFp4lab(['matmul', f, f, '--a-tensor', 'a', '--b-tensor', 'b', '-o', out1, ...common]);
    expect(r1.stderr).toBe('');
    expect(r1.status).toBe(0);
    expect((await LoadedSafetensors.load(out1)).raw('out')).toEqual(g.raw('out'));

    // The same through quantized files.
    const qa = join(dir, 'qa.safetensors');
    const qb = join(dir, 'qb.safetensors');
    expect(runFp4lab(['quantize', f, '--tensor', 'a', '-o', qa, '--scale-rule', 'mse']).status).toBe(0);
    expect(runFp4lab(['quantize', f, '--tensor', 'b', '-o', qb, '--scale-rule', 'mse']).status).toBe(0);
    const out2 = join(dir, 'out2.safetensors');
    const r2 = runFp4lab(['matmul', qa, qb, '-o', out2, '--out-shape', '128,64']);
    expect(r2.stderr).toBe('');
    expect((await LoadedSafetensors.load(out2)).raw('out')).toEqual(g.raw('out'));
  });

  it('inspect lists names, dtypes, shapes and byte sizes', () => {
    const r = runFp4lab(['inspect', golden('m00_nvfp4_mse_mse_bfloat16.safetensors'), '--json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    const a = j.tensors.find((t: { name: string }) => t.name === 'a');
    expect(a).toEqual({ name: 'a', dtype: 'BF16', shape: [128, 256], bytes: 65536, matrix: [128, 256] });
    expect(j.tensors.find((t: { name: string }) => t.name === 'out_bits').matrix).toBeNull();
  });
});

describe('fp4lab CLI errors: one line on stderr, exit 2 for usage, 1 for failures', () => {
  it('an invalid flag value is a usage error (2)', () => {
    const r = runFp4lab(['quantize', golden('x00_randn_128x128.safetensors'), '-o', join(dir, 'x.safetensors'), '--scale-rule', 'median']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--scale-rule.*'median' is invalid/);
  });

  it('an engine argument error names the flag (2)', () => {
    const r = runFp4lab(['quantize', golden('x00_randn_128x128.safetensors'), '-o', join(dir, 'x.safetensors'), '--fp4-format', 'mxfp4', '--scale-rule', 'mse']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/fp4lab: error: scale_rule 'mse' is not defined for mxfp4/);
  });

  it('a missing file is a failure (1) naming the file', () => {
    const r = runFp4lab(['inspect', join(dir, 'nope.safetensors')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`fp4lab: error: cannot open ${join(dir, 'nope.safetensors')}: no such file\n`);
  });

  it('a broken file is a failure (1) naming the file and the problem', () => {
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x7b]));
    const r = runFp4lab(['inspect', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad.safetensors: not a valid safetensors file: header length 4294967295/);
  });

  it('several float tensors without --tensor: asks which (2)', () => {
    const r = runFp4lab(['quantize', golden('m00_nvfp4_mse_mse_bfloat16.safetensors'), '-o', join(dir, 'y.safetensors')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/holds \d+ floating-point tensors; choose one with --tensor/);
  });

  it('an existing output is not overwritten without --force', () => {
    const out = join(dir, 'exists.safetensors');
    writeFileSync(out, 'precious');
    const args = ['quantize', golden('x00_randn_128x128.safetensors'), '-o', out];
    const r = runFp4lab(args);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/already exists; pass --force/);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    expect(runFp4lab([...args, '--force']).status).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(1000);
  });
});
