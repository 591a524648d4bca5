import { useEffect, useMemo, useRef, useState } from 'react';
import type { AnalyzeRequest, Api, ApiError } from '../../app/api/contract';
import type { AnalysisResult } from '../../app/analysis/model';
import { METRIC_LABELS, type ErrorMetrics } from '../../app/analysis/metrics';
import type { BackendStatus } from '../../app/backends/backend';
import { diffHeatmapSpec } from '../../app/plots/diffHeatmapSpec';
import { formatNumber } from '../../app/plots/numberFormat';
import type { PlotTheme } from '../../app/plots/theme';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { openSafetensors } from '../../app/tensors/safetensors';
import { toApiError } from '../api/apiError';
import { ErrorBanner } from '../components/ErrorBanner';
import { Plot } from '../plot/Plot';
import { countDifferingBytes, diffOutputs, pooledDiff, type OutputDiff } from './backendDiff';

interface TensorBytesDiff {
  readonly name: string;
  readonly differing: number;
  readonly total: number;
}

interface DiffOutcome {
  readonly x: AnalysisResult;
  readonly y: AnalysisResult;
  readonly tensors: readonly TensorBytesDiff[];
  readonly output: OutputDiff | null;
}

/** Run one analysis to its end as a promise (the diff runs two, one after the other). */
function runToEnd(api: Api, request: AnalyzeRequest, signal: AbortSignal, onStage: (s: string) => void): Promise<AnalysisResult> {
  return new Promise((resolve, reject) => {
    let jobId: string | null = null;
    const onAbort = () => jobId && void api.cancelJob(jobId).catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    api
      .startAnalysis(request, (e) => {
        if (e.type === 'progress') onStage(e.progress.stage);
        else if (e.type === 'done') resolve(e.result);
        else if (e.type === 'failed') reject(e.error);
        else reject({ code: 'CANCELLED', message: 'the diff was cancelled' } satisfies ApiError);
      })
      .then((r) => {
        jobId = r.jobId;
        if (signal.aborted) onAbort();
      }, reject);
  });
}

/** The quantized tensors of two exports compared byte by byte (tensor data only, not headers). */
async function diffQuantizedBytes(api: Api, idX: string, idY: string): Promise<TensorBytesDiff[]> {
  const [px, py] = await Promise.all([api.exportAnalysis(idX, 'safetensors'), api.exportAnalysis(idY, 'safetensors')]);
  const [fx, fy] = await Promise.all([openSafetensors(memoryByteSource(px.data, px.fileName)), openSafetensors(memoryByteSource(py.data, py.fileName))]);
  const out: TensorBytesDiff[] = [];
  for (const tx of fx.tensors) {
    const ty = fy.tensors.find((t) => t.name === tx.name);
    const bx = await tx.read();
    if (!ty) {
      out.push({ name: tx.name, differing: bx.length, total: bx.length });
      continue;
    }
    out.push({ name: tx.name, ...countDifferingBytes(bx, await ty.read()) });
  }
  return out;
}

const METRIC_KEYS: readonly (keyof ErrorMetrics)[] = ['mse', 'sqnrDb', 'maxAbsError', 'cosine'];

/**
 * The same job on two backends and their difference. Quantization must agree byte for byte
 * (every backend gives the reference's e2m1/sf/normconst bytes); the matmul may differ by fp32
 * accumulation order.
 */
export function BackendDiffView(props: { api: Api; request: AnalyzeRequest | null; backends: readonly BackendStatus[] | null; theme: PlotTheme }) {
  const { api, request, backends } = props;
  const available = (backends ?? []).filter((b) => b.available).map((b) => b.name);
  const [x, setX] = useState<string>('');
  const [y, setY] = useState<string>('');
  const [stage, setStage] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<DiffOutcome | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const abort = useRef<AbortController | null>(null);
  const bx = x || available[0] || '';
  const by = y || available[1] || available[0] || '';
  useEffect(() => () => abort.current?.abort(), []);

  const run = async () => {
    if (!request) return;
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setError(null);
    setOutcome(null);
    const ids: string[] = [];
    try {
      const one = async (backend: string) => {
        const r = await runToEnd(api, { ...request, options: { ...request.options, backend, compareRules: false } }, controller.signal, (s) => setStage(`${backend}: ${s}`));
        ids.push(r.id);
        return r;
      };
      const rx = await one(bx);
      const ry = await one(by);
      setStage('comparing quantized bytes');
      const tensors = await diffQuantizedBytes(api, rx.id, ry.id);
      setStage('comparing outputs');
      const output = rx.matmul && ry.matmul ? await diffOutputs(api, rx.id, ry.id, rx.matmul.shape, controller.signal) : null;
      setOutcome({ x: rx, y: ry, tensors, output });
    } catch (e) {
      if (!controller.signal.aborted) setError(toApiError(e));
    } finally {
      setStage(null);
      for (const id of ids) void api.releaseAnalysis(id).catch(() => undefined);
    }
  };

  const spec = useMemo(() => (outcome?.output ? diffHeatmapSpec(pooledDiff(outcome.output, 512), outcome.output.rows, outcome.output.cols, props.theme) : null), [outcome, props.theme]);
  const sameBytes = outcome?.tensors.every((t) => t.differing === 0);
  const metricRows = outcome
    ? ([
        ['A', outcome.x.a.metrics, outcome.y.a.metrics],
        ...(outcome.x.b && outcome.y.b ? [['B', outcome.x.b.metrics, outcome.y.b.metrics]] : []),
        ...(outcome.x.matmul && outcome.y.matmul ? [['A @ Bᵀ', outcome.x.matmul.metrics, outcome.y.matmul.metrics]] : []),
      ] as [string, ErrorMetrics, ErrorMetrics][])
    : [];

  return (
    <div className="backend-diff" data-testid="backend-diff">
      <div className="diff-controls">
        <label>
          backend X{' '}
          <select aria-label="Backend X" value={bx} onChange={(e) => setX(e.target.value)}>
            {available.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        </label>
        <label>
          backend Y{' '}
          <select aria-label="Backend Y" value={by} onChange={(e) => setY(e.target.value)}>
            {available.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={run} disabled={!request || !bx || !by || stage !== null} data-testid="run-diff">
          Run on both
        </button>
        {stage && (
          <>
            <span className="muted">{stage}…</span>
            <button type="button" onClick={() => abort.current?.abort()}>
              Cancel
            </button>
          </>
        )}
      </div>
      {available.length < 2 && (
        <p className="muted">
          Only {available.join(', ') || 'no backend'} is available here; running it twice checks that it is deterministic.{' '}
          {(backends ?? [])
            .filter((b) => !b.available)
            .map((b) => `${b.name}: ${b.reason ?? 'unavailable'}`)
            .join(' · ')}
        </p>
      )}
      <ErrorBanner error={error} />
      {outcome && (
        <div className="diff-results">
          <p className={sameBytes ? 'verdict ok' : 'verdict bad'} data-testid="diff-verdict">
            {sameBytes ? `Quantized bytes identical on ${outcome.x.backend} and ${outcome.y.backend}.` : `Quantized bytes differ between ${outcome.x.backend} and ${outcome.y.backend}.`}
          </p>
          <table aria-label="Quantized bytes compared">
            <thead>
              <tr>
                <th scope="col">tensor</th>
                <th scope="col">bytes</th>
                <th scope="col">differing</th>
              </tr>
            </thead>
            <tbody>
              {outcome.tensors.map((t) => (
                <tr key={t.name}>
                  <td>{t.name}</td>
                  <td>{t.total}</td>
                  <td className={t.differing ? 'bad' : 'ok'}>{t.differing}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table aria-label="Metrics on both backends">
            <thead>
              <tr>
                <th scope="col" />
                {METRIC_KEYS.map((k) => (
                  <th key={k} scope="col">
                    {METRIC_LABELS[k]} ({outcome.x.backend} / {outcome.y.backend})
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {metricRows.map(([label, mx, my]) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  {METRIC_KEYS.map((k) => (
                    <td key={k} className={mx[k] === my[k] ? 'ok' : ''}>
                      {formatNumber(mx[k], 6)} / {formatNumber(my[k], 6)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {outcome.output && (
            <>
              <p>
                Output: max |Δ| = <strong>{formatNumber(outcome.output.maxAbs, 4)}</strong>, {outcome.output.differing} of {outcome.output.rows * outcome.output.cols} values differ
                {outcome.output.complete ? '' : ` (top-left ${outcome.output.rows}×${outcome.output.cols} compared)`}.
              </p>
              {spec && <Plot spec={spec} label="Absolute difference of the two backends' outputs" className="diff-plot" />}
            </>
          )}
        </div>
      )}
    </div>
  );
}
