import { useMemo } from 'react';
import { analysisSides } from '../../app/analysis/analysisSides';
import type { AnalysisResult } from '../../app/analysis/model';
import { HISTOGRAM_TITLES, sideHistogramSpecs } from '../../app/plots/histogramSpecs';
import type { PlotTheme } from '../../app/plots/theme';
import { Plot } from '../plot/Plot';

/** Where values land on the FP4 grid, how block scales are spread, how block errors are spread. */
export function HistogramsView({ result, theme }: { result: AnalysisResult; theme: PlotTheme }) {
  const specs = useMemo(() => sideHistogramSpecs(analysisSides(result), theme), [result, theme]);
  return (
    <div className="histograms" data-testid="histograms">
      <section className="chart">
        <h3>{HISTOGRAM_TITLES.scaledMagnitude}</h3>
        <Plot spec={specs.scaledMagnitude} label="Histogram of |x| divided by the block scale, with the FP4 grid" />
      </section>
      <section className="chart">
        <h3>{HISTOGRAM_TITLES.scales}</h3>
        <Plot spec={specs.scales} label="Histogram of block scales" />
      </section>
      <section className="chart">
        <h3>{HISTOGRAM_TITLES.blockError}</h3>
        <Plot spec={specs.blockError} label="Histogram of per-block MSE" />
      </section>
    </div>
  );
}
