import { useMemo } from 'react';
import { isAnalysedVariant, ruleComparisonsBySide } from '../../app/analysis/analysisSides';
import type { AnalysisResult } from '../../app/analysis/model';
import { formatNumber } from '../../app/plots/numberFormat';
import { ruleComparisonSpec, type RuleComparisonSide } from '../../app/plots/ruleComparisonSpec';
import type { PlotTheme } from '../../app/plots/theme';
import { variantLabel } from '../../app/sweep/sweepTable';
import { Plot } from '../plot/Plot';

/** All five rules (and MXFP4's two) on the same tensors: which one wins, and how often it picks 4. */
export function RuleComparisonView({ result, theme }: { result: AnalysisResult; theme: PlotTheme }) {
  const sides = useMemo(() => ruleComparisonsBySide(result).map(({ side, rows }): RuleComparisonSide => ({ side: side.side, rows, current: side.kwargs })), [result]);
  const spec = useMemo(() => (sides.length ? ruleComparisonSpec(sides, theme) : null), [sides, theme]);
  if (!spec) {
    return (
      <div className="rule-comparison muted" data-testid="rule-comparison">
        Turn on “compare all scale rules” (shared options) and run to compare the rules.
      </div>
    );
  }
  return (
    <div className="rule-comparison" data-testid="rule-comparison">
      <Plot spec={spec} label="Scale rules compared: MSE, SQNR and share of blocks scaled to 4" className="rule-plot" />
      <table className="rule-table" aria-label="Scale rules compared">
        <thead>
          <tr>
            <th scope="col">side</th>
            <th scope="col">fp4_format · scale_rule</th>
            <th scope="col">MSE</th>
            <th scope="col">SQNR (dB)</th>
            <th scope="col">max |error|</th>
            <th scope="col">% blocks → 4</th>
          </tr>
        </thead>
        <tbody>
          {sides.flatMap((s) =>
            s.rows.map((r) => {
              const current = isAnalysedVariant(r, s.current);
              const best = Math.min(...s.rows.map((x) => x.metrics.mse));
              return (
                <tr key={`${s.side}:${variantLabel(r)}`} className={current ? 'current' : ''} data-variant={`${s.side}:${r.fp4_format}:${r.scale_rule}`}>
                  <td>
                    <span className={`side-badge side-${s.side}`}>{s.side.toUpperCase()}</span>
                  </td>
                  <td>
                    {variantLabel(r)} {current && <span className="muted">(current)</span>}
                  </td>
                  <td className={r.metrics.mse === best ? 'best' : ''}>{formatNumber(r.metrics.mse)}</td>
                  <td>{formatNumber(r.metrics.sqnrDb)}</td>
                  <td>{formatNumber(r.metrics.maxAbsError)}</td>
                  <td>{r.percentChoosing4.toFixed(1)}</td>
                </tr>
              );
            }),
          )}
        </tbody>
      </table>
    </div>
  );
}
