import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalyzeRequest, ApiError, JobEvent } from '../../app/api/contract';
import type { AnalysisResult } from '../../app/analysis/model';
import { runAnalysis } from '../../app/analysis/runAnalysis';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import { resolveQuantizeKwargs } from '../../app/quantize/kwargs';
import { SAMPLE_ACTIVATION, SAMPLE_WEIGHT, sampleWeight } from '../../app/samples/sampleData';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { readTensorAsMatrix } from '../../app/tensors/decode';
import { readQuantizedTensor } from '../../app/tensors/quantizedFile';
import { openSafetensors } from '../../app/tensors/safetensors';
import { findTensor } from '../../app/tensors/tensorFile';
import { LocalService } from '../../renderer/api/localService';
import { REPO_ROOT, corpusDir } from '../helpers/paths';

/** Runs a job to its last event. */
function runJob(service: LocalService, request: AnalyzeRequest, onStart?: (jobId: string) => void): Promise<{ events: JobEvent[]; last: JobEvent }> {
  return new Promise((resolve, reject) => {
    const events: JobEvent[] = [];
    service
      .startAnalysis(request, (e) => {
        events.push(e);
        if (e.type !== 'progress') resolve({ events, last: e });
      })
      .then(({ jobId }) => onStart?.(jobId), reject);
  });
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected a rejection');
}

describe('the in-page service (LocalService)', () => {
  it('analyses a corpus file like the engine does, with progress, then serves tiles and block details', async () => {
    const service = new LocalService();
    const bytes = new Uint8Array(readFileSync(join(corpusDir(), 'torch_mixed.safetensors')));
    const file = await service.openUpload('torch_mixed.safetensors', bytes);
    expect(file.tensors.find((t) => t.name === 'conv.weight')?.matrix).toEqual([12, 5]);
    expect(file.tensors.find((t) => t.name === 'int.ids')?.matrix).toBeNull();
    expect(file.tensors.find((t) => t.name === 'int.ids')?.note).toMatch(/not quantizable/);
    const request: AnalyzeRequest = {
      a: { fileId: file.fileId, tensor: 'model.layers.0.self_attn.q_proj.weight', kwargs: { scale_rule: 'abs_max' } },
      b: { fileId: file.fileId, tensor: 'lm_head.weight', kwargs: { transpose: false } },
      options: { compareRules: true },
    };
    const { events, last } = await runJob(service, request);
    expect(last.type).toBe('done');
    expect(events.filter((e) => e.type === 'progress').length).toBeGreaterThan(2);
    const result = (last as Extract<JobEvent, { type: 'done' }>).result;

    const f = await openSafetensors(memoryByteSource(bytes, 'torch_mixed.safetensors'));
    const a = await readTensorAsMatrix(findTensor(f, 'model.layers.0.self_attn.q_proj.weight'), f.name);
    const b = await readTensorAsMatrix(findTensor(f, 'lm_head.weight'), f.name);
    const prov = { file: 'x', tensor: 'x', shape: [1], dtype: 'x' };
    const ws = await runAnalysis({ a: { matrix: a, request: { provenance: prov, kwargs: { scale_rule: 'abs_max' } } }, b: { matrix: b, request: { provenance: prov, kwargs: {} } }, options: { compareRules: true } }, { backend: referenceBackend });
    expect(result.a.metrics).toEqual(ws.result.a.metrics);
    expect(result.b!.metrics).toEqual(ws.result.b!.metrics);
    expect(result.matmul!.metrics).toEqual(ws.result.matmul!.metrics);
    expect(result.ruleComparison!.a).toHaveLength(7);
    expect(result.a.provenance.tensor).toBe('model.layers.0.self_attn.q_proj.weight');

    const tile = await service.heatmap({ analysisId: result.id, target: 'a', field: 'abs_error', window: { r0: 0, r1: 4, c0: 0, c1: 16 }, maxRows: 64, maxCols: 64 });
    expect(tile.data).toEqual((await ws.heatmap({ target: 'a', field: 'abs_error', window: { r0: 0, r1: 4, c0: 0, c1: 16 }, maxRows: 64, maxCols: 64 })).data);
    expect(await service.blockDetail(result.id, 'a', 3, 2)).toEqual(ws.blockDetail('a', 3, 2));
  });

  it('opens compressed .npz members with the browser inflater (DecompressionStream), same values as the stored copy', async () => {
    const service = new LocalService();
    const stored = await service.openUpload('pair.npz', new Uint8Array(readFileSync(join(corpusDir(), 'pair.npz'))));
    const compressed = await service.openUpload('pair_compressed.npz', new Uint8Array(readFileSync(join(corpusDir(), 'pair_compressed.npz'))));
    expect(compressed.tensors.map((t) => [t.name, t.matrix])).toEqual(stored.tensors.map((t) => [t.name, t.matrix]));
    for (const name of ['A', 'B']) {
      const q = { tensor: name, maxRows: 2048, maxCols: 2048 };
      expect((await service.previewMatrix({ fileId: compressed.fileId, ...q })).data).toEqual((await service.previewMatrix({ fileId: stored.fileId, ...q })).data);
    }
  });

  it('names the input behind a refused request: a kwarg, the B tensor, the backend', async () => {
    const service = new LocalService();
    const sample = await service.openSample();
    const a = { fileId: sample.fileId, tensor: SAMPLE_WEIGHT, kwargs: {} };
    const mx = await rejection(service.startAnalysis({ a: { ...a, kwargs: { scale_rule: 'mse' } }, options: { fp4_format: 'mxfp4' } }, () => undefined));
    expect(mx).toMatchObject({ code: 'INVALID_ARGUMENT', cause: 'a.scale_rule' });
    expect(mx.message).toMatch(/mxfp4/);
    const seed = await rejection(service.startAnalysis({ a, b: { ...a, kwargs: { seed: -1 } }, options: {} }, () => undefined));
    expect(seed).toMatchObject({ code: 'INVALID_ARGUMENT', cause: 'b.seed' });
    const backend = await rejection(service.startAnalysis({ a, options: { backend: 'cuda' } }, () => undefined));
    expect(backend).toMatchObject({ code: 'BACKEND_UNAVAILABLE', cause: 'backend' });
    // B with another column count fails inside the job, naming B's tensor
    const { last } = await runJob(service, { a, b: { ...a, kwargs: { transpose: true } }, options: { compareRules: false } });
    expect(last).toMatchObject({ type: 'failed', error: { code: 'INVALID_ARGUMENT', cause: 'b.tensor' } });
    expect(await rejection(service.openPath('/etc/passwd'))).toMatchObject({ code: 'UNSUPPORTED' });
    const bad = await rejection(service.openUpload('bad_json.safetensors', new Uint8Array(readFileSync(join(corpusDir(), 'bad_json.safetensors')))));
    expect(bad.code).toBe('FORMAT');
    expect(bad.message).toContain('bad_json.safetensors');
  });

  it('cancels a running job: a cancelled event, no result kept', async () => {
    const service = new LocalService();
    const sample = await service.openSample();
    const request: AnalyzeRequest = {
      a: { fileId: sample.fileId, tensor: SAMPLE_WEIGHT, kwargs: {} },
      b: { fileId: sample.fileId, tensor: SAMPLE_ACTIVATION, kwargs: {} },
      options: { compareRules: true },
    };
    let cancelled = false;
    const { events, last } = await new Promise<{ events: JobEvent[]; last: JobEvent }>((resolve) => {
      const events: JobEvent[] = [];
      void service.startAnalysis(request, (e) => {
        events.push(e);
        // cancel once the job is under way
        if (e.type === 'progress' && !cancelled) {
          cancelled = true;
          void service.cancelJob(e.jobId);
        }
        if (e.type !== 'progress') resolve({ events, last: e });
      });
    });
    expect(last.type).toBe('cancelled');
    expect(events.some((e) => e.type === 'done')).toBe(false);
  });

  it('exports through the report module: JSON, the quantized-tensor file, an HTML report', async () => {
    const plotly = join(REPO_ROOT, 'node_modules', 'plotly.js-dist-min', 'plotly.min.js');
    const service = new LocalService(undefined, async () => readFileSync(plotly, 'utf8'));
    const sample = await service.openSample();
    const { last } = await runJob(service, { a: { fileId: sample.fileId, tensor: SAMPLE_WEIGHT, kwargs: { scale_rule: 'l1_norm' } }, options: { compareRules: false } });
    const result = (last as { result: AnalysisResult }).result;
    const json = await service.exportAnalysis(result.id, 'json');
    expect(json.mimeType).toBe('application/json');
    const parsed = JSON.parse(new TextDecoder().decode(json.data));
    expect(parsed.schema).toBe('fp4lab.analysis/1');
    expect(parsed.result.a.metrics.mse).toBe(result.a.metrics.mse);

    const st = await service.exportAnalysis(result.id, 'safetensors');
    expect(st.fileName).toMatch(/-quantized\.safetensors$/);
    const file = await openSafetensors(memoryByteSource(st.data, st.fileName));
    const read = await readQuantizedTensor(file, SAMPLE_WEIGHT);
    const expected = quantizeToFp4(sampleWeight(), resolveQuantizeKwargs({ scale_rule: 'l1_norm' }));
    expect(read.quantized.e2m1).toEqual(expected.e2m1);
    expect(read.quantized.sf).toEqual(expected.sf);
    expect(read.quantized.normconst).toBe(expected.normconst);

    const html = new TextDecoder().decode((await service.exportAnalysis(result.id, 'html')).data);
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain(SAMPLE_WEIGHT);
    expect(await rejection(service.exportAnalysis(result.id, 'pdf'))).toMatchObject({ code: 'UNSUPPORTED' });
    expect(await rejection(new LocalService().exportAnalysis(result.id, 'json'))).toMatchObject({ code: 'NOT_FOUND' });
    await service.releaseAnalysis(result.id);
    expect(await rejection(service.heatmap({ analysisId: result.id, target: 'a', field: 'scale', maxRows: 8, maxCols: 8 }))).toMatchObject({ code: 'NOT_FOUND' });
  });
});
