import { useEffect, useMemo, useState } from 'react';
import type { Api } from '../../app/api/contract';
import type { BlockCandidate, BlockDetail } from '../../app/analysis/blockDetail';
import type { AnalysisResult } from '../../app/analysis/model';
import { E4M3_VALUES } from '../../app/formats/e4m3';
import { ue8m0ToFloat32 } from '../../app/formats/ue8m0';
import { blockDetailSpec } from '../../app/plots/blockDetailSpec';
import { formatNumber } from '../../app/plots/numberFormat';
import type { PlotTheme } from '../../app/plots/theme';
import { Plot } from '../plot/Plot';

export interface BlockRef {
  readonly side: 'a' | 'b';
  readonly row: number;
  readonly blockCol: number;
}

function storedScale(format: 'nvfp4' | 'mxfp4', byte: number): string {
  const hex = `0x${byte.toString(16).padStart(2, '0')}`;
  return format === 'nvfp4' ? `e4m3 ${hex} = ${formatNumber(E4M3_VALUES[byte], 4)}` : `e8m0 ${hex} = 2^${byte - 127} = ${formatNumber(ue8m0ToFloat32(byte), 4)}`;
}

function CandidateSummary({ c, chosen, format }: { c: BlockCandidate; chosen: boolean; format: 'nvfp4' | 'mxfp4' }) {
  return (
    <div className={`candidate candidate-${c.target}${chosen ? ' chosen' : ''}`} data-testid={`candidate-${c.target}`}>
      <div className="candidate-title">
        scaled to {c.target} {chosen && <strong>(chosen)</strong>}
      </div>
      <dl>
        <dt>stored</dt>
        <dd>{storedScale(format, c.scaleByte)}</dd>
        <dt>scale</dt>
        <dd>{formatNumber(c.scale, 5)}</dd>
        <dt>Σ err²</dt>
        <dd>{formatNumber(c.mse, 4)}</dd>
        <dt>Σ |err|</dt>
        <dd>{formatNumber(c.l1, 4)}</dd>
        <dt>max|err|</dt>
        <dd>{formatNumber(c.maxAbs, 4)}</dd>
      </dl>
    </div>
  );
}

/**
 * Why a block was scaled to 4 or 6: its values, what each candidate turns them into and the
 * errors the rule compared. Detail comes from the service (blockDetail re-runs the quantizer's
 * own code on that block), cached per block while the result stays the same.
 */
export function BlockCard(props: { api: Api; result: AnalysisResult; block: BlockRef | null; pinned: boolean; theme: PlotTheme; onUnpin: () => void }) {
  const { api, result, block } = props;
  const [detail, setDetail] = useState<{ key: string; detail: BlockDetail } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cache = useMemo(() => new Map<string, BlockDetail>(), [result.id]);
  const key = block ? `${result.id}:${block.side}:${block.row}:${block.blockCol}` : null;

  useEffect(() => {
    if (!block || !key) return;
    const hit = cache.get(key);
    if (hit) {
      setDetail({ key, detail: hit });
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api
        .blockDetail(result.id, block.side, block.row, block.blockCol)
        .then((d) => {
          cache.set(key, d);
          if (live) {
            setDetail({ key, detail: d });
            setError(null);
          }
        })
        .catch((e) => live && setError(e?.message ?? String(e)));
    }, 40);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, result.id, block, key, cache]);

  const shown = detail && detail.key === key ? detail.detail : null;
  const side = block ? result[block.side] : undefined;
  const spec = useMemo(() => (shown ? blockDetailSpec(shown, props.theme) : null), [shown, props.theme]);
  if (!block || !side) {
    return (
      <aside className="block-card empty" data-testid="block-card" aria-label="Block detail">
        <h3>Block detail</h3>
        <p className="muted">Hover a block on a heatmap to see its values and both scale candidates. Zoom in (drag a box, or click a cell) until one cell is one block; click a block to pin it.</p>
      </aside>
    );
  }
  const format = side.kwargs.fp4_format;
  return (
    <aside className="block-card" data-testid="block-card" aria-label="Block detail" data-block={`${block.side}:${block.row}:${block.blockCol}`}>
      <header className="view-header">
        <h3>
          Block <span className={`side-badge side-${block.side}`}>{block.side.toUpperCase()}</span> row {shown ? `${shown.row0}${shown.rows > 1 ? `–${shown.row0 + shown.rows - 1}` : ''}` : block.row}, cols{' '}
          {shown ? `${shown.col0}–${shown.col0 + shown.cols - 1}` : `block ${block.blockCol}`}
        </h3>
        {props.pinned && (
          <button type="button" className="link-button" onClick={props.onUnpin} aria-label="Unpin block">
            unpin
          </button>
        )}
      </header>
      {error && !shown && <p className="field-error">{error}</p>}
      {shown ? (
        <>
          <p className="block-summary">
            <code className="kwarg">{side.kwargs.scale_rule}</code> chose <strong className={`chosen-${shown.chosen}`} data-testid="block-chosen">{shown.chosen}</strong> · amax {formatNumber(shown.amax, 5)}
            {format === 'nvfp4' && <> · normconst {formatNumber(side.normconst, 5)}</>}
          </p>
          <div className="candidates">
            {shown.candidates.map((c) => (
              <CandidateSummary key={c.target} c={c} chosen={c.target === shown.chosen} format={format} />
            ))}
          </div>
          {spec && <Plot spec={spec} label="Block values and both candidates" className="block-plot" />}
          <div className="block-values">
            <table aria-label="Block values">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">x</th>
                  <th scope="col">→6</th>
                  <th scope="col">err</th>
                  <th scope="col">→4</th>
                  <th scope="col">err</th>
                </tr>
              </thead>
              <tbody>
                {shown.input.map((x, i) => {
                  const [six, four] = shown.candidates[0].target === 6 ? shown.candidates : [shown.candidates[1], shown.candidates[0]];
                  return (
                    <tr key={i}>
                      <td>{i}</td>
                      <td>{formatNumber(x, 4)}</td>
                      <td className={shown.chosen === 6 ? 'chosen' : ''}>{formatNumber(six.values[i], 4)}</td>
                      <td className={shown.chosen === 6 ? 'chosen' : ''}>{formatNumber(six.values[i] - x, 2)}</td>
                      <td className={shown.chosen === 4 ? 'chosen' : ''}>{formatNumber(four.values[i], 4)}</td>
                      <td className={shown.chosen === 4 ? 'chosen' : ''}>{formatNumber(four.values[i] - x, 2)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      ) : error ? null : (
        <p className="muted">loading…</p>
      )}
    </aside>
  );
}
