import { analysisSides } from '../analysis/analysisSides';
import type { AnalysisResult, SideAnalysis, TensorProvenance } from '../analysis/model';
import { isAdaptiveRule, type HadamardSpec, type QuantizeKwargs } from '../quantize/kwargs';
import { formatDb, formatNumber } from '../plots/numberFormat';

/**
 * "Copy as Python": a script that redoes an analysis with the reference library, fouroversix
 * (the release whose quantize_to_fp4 returns (e2m1, sf, normconst) and whose fp4_matmul takes
 * a_e2m1=, a_sf=, a_normconst=). Every kwarg is written out exactly as the analysis used it,
 * defaults included, so the script states the whole setting; it prints the same metrics with
 * FP4 Lab's numbers beside them.
 */

/** A Python string literal (JSON's escapes are valid Python). */
function py(text: string): string {
  return JSON.stringify(text);
}

/** Text for a comment line: line breaks would end the comment and start code. */
function singleLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

function pyBool(v: boolean): string {
  return v ? 'True' : 'False';
}

function extensionOf(file: string): string {
  if (/\.safetensors\.index\.json$/i.test(file)) return 'safetensors-index';
  const m = /\.([A-Za-z0-9]+)$/.exec(file);
  return m ? m[1].toLowerCase() : '';
}

/** Python that loads one tensor from the file it came from, by the file's kind. */
function loadExpression(p: TensorProvenance): { code: string; imports: string[] } {
  const ext = extensionOf(p.file);
  switch (ext) {
    case 'safetensors':
      return { code: `load_file(${py(p.file)})[${py(p.tensor)}]`, imports: ['from safetensors.torch import load_file'] };
    case 'safetensors-index': // a sharded checkpoint: the index names the shard of each tensor
      return {
        code: `load_file(os.path.join(os.path.dirname(${py(p.file)}), json.load(open(${py(p.file)}))["weight_map"][${py(p.tensor)}]))[${py(p.tensor)}]`,
        imports: ['from safetensors.torch import load_file', 'import json', 'import os'],
      };
    case 'npy':
      return { code: `torch.from_numpy(numpy.load(${py(p.file)}))`, imports: ['import numpy'] };
    case 'npz':
      return { code: `torch.from_numpy(numpy.load(${py(p.file)})[${py(p.tensor)}])`, imports: ['import numpy'] };
    case 'pt':
    case 'pth':
    case 'bin':
    case 'ckpt':
      return { code: `torch.load(${py(p.file)}, map_location="cpu", weights_only=True)[${py(p.tensor)}]`, imports: [] };
    default:
      return { code: `load_tensor(${py(p.file)}, ${py(p.tensor)})`, imports: [] };
  }
}

function hadamardExpression(had: HadamardSpec, dtypeOf: string): string | null {
  if (had === null) return null;
  if (typeof had === 'number') return `sylvester_hadamard(${had}, ${dtypeOf}.dtype)`;
  return `torch.tensor(${JSON.stringify(had)}, dtype=${dtypeOf}.dtype)`;
}

function kwargsBlock(k: QuantizeKwargs, side: string): string[] {
  const had = hadamardExpression(k.had, side);
  return [
    `    backend=QuantizeBackend.pytorch,`,
    `    scale_rule=AdaptiveBlockScalingRule.${k.scale_rule},`,
    `    block_scale_2d=${pyBool(k.block_scale_2d)},`,
    `    had=${had ?? 'None'},`,
    `    fp4_format=FP4Format.${k.fp4_format},`,
    `    round_style=RoundStyle.${k.round_style},`,
    `    transpose=${pyBool(k.transpose)},`,
  ];
}

function notesFor(k: QuantizeKwargs): string[] {
  const notes: string[] = [];
  if (k.round_style === 'stochastic') {
    notes.push(`# round_style=stochastic: FP4 Lab used its counter-based RNG with seed ${k.seed}; the library draws`, '# its own random bits, so the numbers agree in distribution, not bit for bit.');
  }
  if (k.block_scale_2d && isAdaptiveRule(k.scale_rule)) {
    notes.push('# block_scale_2d with an adaptive rule: this release of the library fails on it (NUMERICS.md §3);', '# FP4 Lab defines the behaviour (the 4/6 choice per 16x16 tile).');
  }
  if (k.fp4_format === 'mxfp4') {
    notes.push("# mxfp4: FP4 Lab follows the library's later, corrected MXFP4 path (NUMERICS.md §6); this", '# release can differ for values that round above 6.');
  }
  return notes;
}

function sideCode(s: SideAnalysis, name: 'a' | 'b'): string[] {
  const p = s.provenance;
  const load = loadExpression(p);
  const lines: string[] = [];
  // Names go into a comment as literals: a name with a newline must not end the comment.
  lines.push(`# ${name.toUpperCase()}: tensor ${py(p.tensor)} of ${py(p.file)}, ${p.dtype} [${p.shape.join(', ')}]${p.sha256 ? `, sha256 ${p.sha256}` : ''}`);
  let expr = load.code;
  if (p.flattenedTo) expr += `.reshape(${p.flattenedTo[0]}, ${p.flattenedTo[1]})`;
  if (!['BF16', 'F16', 'F32'].includes(p.dtype)) expr += '.float()'; // FP4 Lab reads other float types as fp32
  lines.push(`${name} = ${expr}`);
  lines.push(...notesFor(s.kwargs));
  lines.push(`${name}_e2m1, ${name}_sf, ${name}_normconst = quantize_to_fp4(`, `    ${name},`, ...kwargsBlock(s.kwargs, name), ')');
  lines.push(
    `# What was quantized (transpose, then the Hadamard rotation, as the library applies them), and its error:`,
    `${name}_x = ${name}${s.kwargs.transpose ? '.T' : ''}`,
  );
  const had = hadamardExpression(s.kwargs.had, name);
  if (had) lines.push(`${name}_had = ${had}`, `${name}_x = (${name}_x.reshape(-1, ${name}_had.shape[0]) @ ${name}_had).reshape_as(${name}_x)`);
  lines.push(
    `${name}_hat = dequantize_from_fp4(${name}_e2m1, ${name}_sf, ${name}_normconst, dtype=torch.float32, fp4_format=FP4Format.${s.kwargs.fp4_format})`,
    `${name}_hat = ${name}_hat[: ${name}_x.shape[0], : ${name}_x.shape[1]]`,
    `print("${name.toUpperCase()}: MSE", mse(${name}_x, ${name}_hat), "SQNR", sqnr_db(${name}_x, ${name}_hat), "dB")`,
    `print("   FP4 Lab: MSE ${formatNumber(s.metrics.mse, 6)}, SQNR ${formatDb(s.metrics.sqnrDb)}")`,
  );
  return lines;
}

export function pythonSnippet(result: AnalysisResult): string {
  const sides = analysisSides(result);
  const imports = new Set<string>(['import torch']);
  for (const s of sides) for (const i of loadExpression(s.provenance).imports) imports.add(i);
  const needsLoader = sides.some((s) => loadExpression(s.provenance).code.startsWith('load_tensor('));
  const needsSylvester = sides.some((s) => typeof s.kwargs.had === 'number');
  const names = ['AdaptiveBlockScalingRule', 'FP4Format', 'QuantizeBackend', 'RoundStyle', 'quantize_to_fp4', ...(result.b ? ['DataType', 'MatmulBackend', 'fp4_matmul'] : [])].sort();

  const lines: string[] = [
    `# FP4 Lab analysis ${singleLine(result.id)} (${result.createdAt}), redone with the reference library fouroversix:`,
    '# the release with quantize_to_fp4(x, ...) -> (e2m1, sf, normconst) and',
    '# fp4_matmul(a_e2m1=..., a_sf=..., a_normconst=..., ...). Its PyTorch backend runs on CPU and is the',
    `# oracle FP4 Lab's engine reproduces byte for byte. FP4 Lab computed this on the '${result.backend}' backend.`,
    'import torch',
    ...[...imports].filter((i) => i !== 'import torch').sort(),
    `from fouroversix import ${names.join(', ')}`,
    'from fouroversix.quantize.reference import dequantize_from_fp4',
    '',
    '',
    'def mse(ref, approx):',
    '    return (approx.double() - ref.double()).pow(2).mean().item()',
    '',
    '',
    'def sqnr_db(ref, approx):',
    '    err = (approx.double() - ref.double()).pow(2).sum()',
    '    return (10 * torch.log10(ref.double().pow(2).sum() / err)).item()',
    '',
  ];
  if (needsSylvester) {
    lines.push(
      '',
      'def sylvester_hadamard(n, dtype):',
      '    """The n x n Sylvester Hadamard matrix / sqrt(n) (FP4 Lab\'s `had: n`)."""',
      '    h = torch.ones(1, 1, dtype=torch.float64)',
      '    while h.shape[0] < n:',
      '        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)',
      '    return (h / n**0.5).to(dtype)',
      '',
    );
  }
  if (needsLoader) {
    lines.push('', 'def load_tensor(path, name):', '    raise NotImplementedError(f"load tensor {name!r} of {path!r} here (FP4 Lab read it from a file this script cannot open)")', '');
  }
  lines.push('');
  lines.push(...sideCode(result.a, 'a'));
  if (result.b) {
    lines.push('', ...sideCode(result.b, 'b'));
    const m = result.matmul;
    const [rows, cols] = m?.shape ?? [result.a.shape[0], result.b.shape[0]];
    lines.push(
      '',
      '# fp4_matmul computes a @ b.T from the quantized operands.',
      'out = fp4_matmul(',
      '    a_e2m1=a_e2m1,',
      '    a_sf=a_sf,',
      '    a_normconst=a_normconst,',
      '    b_e2m1=b_e2m1,',
      '    b_sf=b_sf,',
      '    b_normconst=b_normconst,',
      '    backend=MatmulBackend.pytorch,',
      `    fp4_format=FP4Format.${result.options.fp4_format},`,
      `    out_dtype=DataType.${result.options.out_dtype},`,
      `    out_shape=(${rows}, ${cols}),`,
      ')',
      'reference = a_x.float() @ b_x.float().T',
      'print("A @ B.T: MSE", mse(reference, out), "SQNR", sqnr_db(reference, out), "dB")',
    );
    if (m) lines.push(`print("   FP4 Lab: MSE ${formatNumber(m.metrics.mse, 6)}, SQNR ${formatDb(m.metrics.sqnrDb)}")`);
  }
  return `${lines.join('\n')}\n`;
}
