import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { corpusDir, REPO_ROOT } from '../helpers/paths';
import { buildGguf, f32Bytes } from './tensorsBuilders';

/** `fp4lab inspect/export/quantize` on several formats, as a user runs them. */
const dir = mkdtempSync(join(tmpdir(), 'fp4lab-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpus = (f: string): string => join(corpusDir(), f);

function fp4lab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'fp4lab.mjs'), ...args], { encoding: 'utf8', cwd: REPO_ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ggufPath = join(dir, 'tiny.gguf');
const q8 = new Uint8Array(34 * 2);
q8.set([0x00, 0x3c], 0); // d = 1
q8.set([0x00, 0x38], 34); // d = 0.5
for (let i = 0; i < 32; i++) {
  q8[2 + i] = i;
  q8[36 + i] = (256 - i) & 0xff;
}
writeFileSync(
  ggufPath,
  buildGguf([
    { name: 'token_embd.weight', dims: [32, 2], type: 8, data: q8 },
    { name: 'output_norm.weight', dims: [4], type: 0, data: f32Bytes([1, 1, 1, 1]) },
    { name: 'blk.0.ffn_down.weight', dims: [256], type: 16, data: new Uint8Array(66) },
  ]),
);

describe('fp4lab CLI on every format', () => {
  it.each([
    ['state_dict.pt', /state_dict\.pt: pytorch, 7 tensors[\s\S]*transposed\s+F32\s+\[64, 48\]/],
    ['state_dict_legacy.pt', /pytorch, 7 tensors[\s\S]*layer\.weight\s+BF16\s+\[48, 64\]/],
    ['pair_compressed.npz', /npz, 2 tensors[\s\S]*B\s+F32\s+\[50, 130\]/],
    ['fortran_f64.npy', /npy, 1 tensor\n\s+fortran_f64\s+F64\s+\[70, 130\]/],
  ])('inspect %s', (file, pattern) => {
    const r = fp4lab('inspect', corpus(file));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(pattern);
  });

  it('inspect shows GGUF types by name, decoded or not supported yet', () => {
    const r = fp4lab('inspect', ggufPath);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/token_embd\.weight\s+Q8_0\s+\[2, 32\]\s+68 B\s+\(decoded to F32\)/);
    expect(r.stdout).toMatch(/blk\.0\.ffn_down\.weight\s+IQ2_XXS\s+\[256\]\s+66 B\s+\(not supported yet\)/);
  });

  it('refuses malicious.pt with exit code 1 and one line on stderr', () => {
    const r = fp4lab('inspect', corpus('malicious.pt'));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('fp4lab: error: refused to load malicious.pt: it calls posix.system, which a state_dict never needs (FP4 Lab reads PyTorch files without running any of their code)\n');
    expect(existsSync('/tmp/fp4lab_pwned')).toBe(false);
  });

  it('export writes f32 .npy and .safetensors that read back equal, and refuses to overwrite without --force', async () => {
    const npyOut = join(dir, 'emb.npy');
    expect(fp4lab('export', ggufPath, '--tensor', 'token_embd.weight', '-o', npyOut).status).toBe(0);
    const f = await openTensorFile(memoryByteSource(new Uint8Array(readFileSync(npyOut)), 'emb.npy'));
    expect(f.tensors[0]).toMatchObject({ dtype: 'F32', shape: [2, 32] });
    const v = new Float32Array((await f.tensors[0].read()).slice().buffer);
    expect([v[0], v[31], v[32], v[33], v[63]]).toEqual([0, 31, 0, -0.5, -15.5]);

    const again = fp4lab('export', ggufPath, '--tensor', 'token_embd.weight', '-o', npyOut);
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(`fp4lab: error: ${npyOut} already exists; pass --force to overwrite it\n`);
    expect(fp4lab('export', corpus('state_dict.pt'), '--tensor', 'transposed', '-o', npyOut, '--force').status).toBe(0);

    // A one-tensor file needs no --tensor.
    const scalarOut = join(dir, 'scalar.safetensors');
    expect(fp4lab('export', corpus('scalar.npy'), '-o', scalarOut, '--json').stdout).toMatch(/"tensor": "scalar"/);
    const stOut = join(dir, 'w.safetensors');
    expect(fp4lab('export', corpus('state_dict_legacy.pt'), '--tensor', 'layer.weight', '-o', stOut).status).toBe(0);
    const inspect = fp4lab('inspect', stOut);
    expect(inspect.stdout).toMatch(/layer\.weight\s+F32\s+\[48, 64\]/);
  });

  it('export names what is wrong: unsupported GGUF types, unknown tensors, other extensions', () => {
    expect(fp4lab('export', ggufPath, '--tensor', 'blk.0.ffn_down.weight', '-o', join(dir, 'x.npy')).stderr).toMatch(/tensor 'blk\.0\.ffn_down\.weight' is GGUF type IQ2_XXS, which FP4 Lab cannot decode yet/);
    expect(fp4lab('export', ggufPath, '--tensor', 'nope', '-o', join(dir, 'x.npy')).stderr).toMatch(/tiny\.gguf has no tensor 'nope'; it has: token_embd\.weight, output_norm\.weight, blk\.0\.ffn_down\.weight/);
    const many = fp4lab('export', ggufPath, '-o', join(dir, 'x.npy'));
    expect(many.status).toBe(2);
    expect(many.stderr).toBe("fp4lab: error: tiny.gguf holds 3 tensors; choose one with --tensor ('token_embd.weight', 'output_norm.weight', 'blk.0.ffn_down.weight')\n");
    const r = fp4lab('export', ggufPath, '--tensor', 'nope', '-o', join(dir, 'x.bin'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/-o must end in \.npy or \.safetensors/);
  });

  it('quantize takes a PyTorch tensor by --tensor', () => {
    const out = join(dir, 'q.safetensors');
    const r = fp4lab('quantize', corpus('state_dict.pt'), '--tensor', 'layer.weight', '-o', out, '--backend', 'reference', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ input: { tensor: 'layer.weight', shape: [48, 64] }, shape: [48, 64] });
  });
});
