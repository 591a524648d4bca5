/**
 * Plots are data: app/ turns results into plain plotly {data, layout} specs that plotly.js (or any
 * other consumer: a test, the HTML report) takes as they are. Nothing here imports plotly, only
 * its JSON schema is known; the renderer's one Plot component is the only place that does.
 */
export type PlotTrace = Record<string, unknown>;
export type PlotLayout = Record<string, unknown>;

export interface PlotSpec {
  readonly data: PlotTrace[];
  readonly layout: PlotLayout;
}

/** A plotly colour scale: [position 0..1, colour] stops. */
export type ColorScale = readonly (readonly [number, string])[];
