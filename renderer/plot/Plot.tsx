import { useEffect, useRef } from 'react';
import type { PlotHoverEvent, PlotlyHTMLElement, PlotMouseEvent, PlotRelayoutEvent } from 'plotly.js-dist-min';
import type { PlotSpec } from '../../app/plots/plotSpec';

/**
 * The one component that touches plotly.js (STYLE.md "Plots are data"). It takes a plain
 * {data, layout} spec and hands it to Plotly.react, which diffs against what is drawn; the
 * spec's layout.uirevision keeps zoom and pan across updates. plotly.js is loaded on first use,
 * so the rest of the UI paints before its 4.8 MB are parsed.
 */
type PlotlyModule = typeof import('plotly.js-dist-min').default;
let plotlyModule: Promise<PlotlyModule> | null = null;
function loadPlotly(): Promise<PlotlyModule> {
  plotlyModule ??= import('plotly.js-dist-min').then((m) => m.default);
  return plotlyModule;
}

export interface PlotProps {
  readonly spec: PlotSpec;
  /** Accessible name of the figure. */
  readonly label: string;
  readonly testId?: string;
  readonly className?: string;
  /** Wheel zooms (heatmaps); off for charts in scrolling panels. */
  readonly scrollZoom?: boolean;
  readonly onRelayout?: (event: PlotRelayoutEvent) => void;
  readonly onHover?: (event: PlotHoverEvent) => void;
  readonly onUnhover?: () => void;
  readonly onClick?: (event: PlotMouseEvent) => void;
  readonly onDoubleClick?: () => void;
  /** After each spec is drawn (the bench's "painted" moment). */
  readonly onPainted?: () => void;
}

export function Plot(props: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  // Handlers are read through a ref so plotly's listeners are bound once per element.
  const handlers = useRef(props);
  handlers.current = props;

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let cancelled = false;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        // React detaches an unmounted plot before it runs this effect's cleanup; plotly rejects
        // a resize of a detached element ("must be passed a displayed plot div").
        if (!cancelled && el.isConnected && (el as Partial<PlotlyHTMLElement>).on) void loadPlotly().then((Plotly) => Plotly.Plots.resize(el));
      });
    });
    observer.observe(el);
    return () => {
      cancelled = true;
      cancelAnimationFrame(frame);
      observer.disconnect();
      void loadPlotly().then((Plotly) => Plotly.purge(el));
    };
  }, []);

  const { spec, scrollZoom = false } = props;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let current = true;
    void loadPlotly().then(async (Plotly) => {
      if (!current) return;
      const bound = Boolean((el as Partial<PlotlyHTMLElement>).on);
      const gd = (await Plotly.react(el, spec.data as Plotly.Data[], spec.layout as Partial<Plotly.Layout>, {
        displaylogo: false,
        responsive: false,
        scrollZoom,
        showTips: false,
        modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d'],
        toImageButtonOptions: { format: 'png', scale: 2 },
      })) as PlotlyHTMLElement;
      if (!bound) {
        gd.on('plotly_relayout', (e) => handlers.current.onRelayout?.(e));
        gd.on('plotly_hover', (e) => handlers.current.onHover?.(e));
        gd.on('plotly_unhover', () => handlers.current.onUnhover?.());
        gd.on('plotly_click', (e) => handlers.current.onClick?.(e));
        gd.on('plotly_doubleclick', () => handlers.current.onDoubleClick?.());
      }
      if (current) handlers.current.onPainted?.();
    });
    return () => {
      current = false;
    };
  }, [spec, scrollZoom]);

  return <div ref={ref} className={['plot', props.className].filter(Boolean).join(' ')} role="img" aria-label={props.label} data-testid={props.testId} />;
}
