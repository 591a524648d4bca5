import { useState } from 'react';
import type { Api } from '../../app/api/contract';
import type { FieldName } from '../../app/analysis/fields';
import type { AnalysisResult } from '../../app/analysis/model';
import { FIELD_STYLES, type ColorMode } from '../../app/plots/fieldStyles';
import type { PlotTheme } from '../../app/plots/theme';
import type { Viewport } from '../../app/plots/viewport';
import { HeatmapView } from './HeatmapView';

const OUTPUT_FIELDS: readonly FieldName[] = ['out_abs_error', 'out_rel_error', 'out_signed_error', 'out', 'out_reference'];

/** The matmul output a @ b.T against the high-precision product: where the FP4 error lands. */
export function OutputView(props: { api: Api; result: AnalysisResult; theme: PlotTheme; viewport: Viewport | null; onViewport: (v: Viewport | null) => void }) {
  const [field, setField] = useState<FieldName>('out_abs_error');
  const [log, setLog] = useState(true);
  if (!props.result.matmul) return <p className="muted">Pick a B tensor to analyse the matmul a @ b.T as well.</p>;
  const diverging = FIELD_STYLES[field].color === 'diverging';
  const mode: ColorMode | undefined = diverging ? undefined : log ? 'log10' : 'linear';
  return (
    <div className="output-view">
      <HeatmapView
        api={props.api}
        result={props.result}
        target="out"
        field={field}
        theme={props.theme}
        viewport={props.viewport}
        onViewport={props.onViewport}
        testId="heatmap-output"
        label={`Matmul output: ${FIELD_STYLES[field].title}`}
        title={`Output A @ Bᵀ (${props.result.matmul.out_dtype}) vs high precision`}
        colorMode={mode}
        controls={
          <div className="view-controls">
            <select aria-label="Output map" value={field} onChange={(e) => setField(e.target.value as FieldName)}>
              {OUTPUT_FIELDS.map((f) => (
                <option key={f} value={f}>
                  {FIELD_STYLES[f].title}
                </option>
              ))}
            </select>
            <label className="checkbox-label">
              <input type="checkbox" checked={log} disabled={diverging} onChange={(e) => setLog(e.target.checked)} /> log
            </label>
          </div>
        }
      />
    </div>
  );
}
