/**
 * Plots are data: app/ turns results into plain {data, layout} specs that plotly.js (or any
 * other renderer: a test, the HTML report) can take as they are. Nothing here imports plotly;
 * the renderer's one Plot component is the only place that does. The spec type is the
 * report's, so a report plot and an app plot are the same kind of value.
 */
export type { PlotLayout, PlotSpec, PlotTrace } from '../report/plotSpecs';

/** A plotly colour scale: [position 0..1, colour] stops. */
export type ColorScale = readonly (readonly [number, string])[];
