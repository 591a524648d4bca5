import type { BlockDetail } from '../analysis/blockDetail';
import type { PlotSpec, PlotTrace } from './plotSpec';
import { baseLayout, themedAxis, type PlotTheme } from './theme';

/**
 * One block's story in one picture: the input values, and what scaling the block's amax to 6
 * and to 4 turns them into. The chosen candidate is drawn solid, the other hollow.
 */
export function blockDetailSpec(detail: BlockDetail, theme: PlotTheme): PlotSpec {
  const index = detail.input.map((_, i) => i);
  const candidate = (c: BlockDetail['candidates'][number]): PlotTrace => {
    const chosen = c.target === detail.chosen;
    const color = c.target === 4 ? theme.four : theme.six;
    return {
      type: 'scatter',
      mode: 'markers',
      name: `scaled to ${c.target}${chosen ? ' (chosen)' : ''}`,
      x: index,
      y: c.values,
      marker: { symbol: chosen ? 'diamond' : 'diamond-open', size: chosen ? 9 : 8, color, line: { color, width: 1.5 } },
      hovertemplate: `to ${c.target}: %{y:.5g}<extra>#%{x}</extra>`,
    };
  };
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'input',
        x: index,
        y: detail.input,
        marker: { symbol: 'circle', size: 6, color: theme.text },
        hovertemplate: 'x = %{y:.5g}<extra>#%{x}</extra>',
      },
      candidate(detail.candidates[0]),
      candidate(detail.candidates[1]),
    ],
    layout: baseLayout(theme, {
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 11 } },
      xaxis: themedAxis(theme, { title: { text: 'value # in block' }, dtick: detail.input.length > 32 ? 16 : 4, zeroline: false }),
      yaxis: themedAxis(theme, { title: { text: 'value' } }),
      margin: { l: 52, r: 8, t: 28, b: 40 },
      height: 220,
    }),
  };
}
