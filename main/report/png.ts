import { withReportPage } from './chromium';

export interface PlotImage {
  /** The plot's id (also its file name stem: "a-abs_error.png"). */
  readonly id: string;
  readonly png: Uint8Array;
}

/**
 * Every plot of a report as a PNG, rendered by plotly's own toImage in headless Chromium, so
 * the images are the plots exactly as the report draws them (at 2x for sharp slides).
 */
export async function renderReportPlotsToPng(html: string, size = { width: 1000, height: 620 }): Promise<PlotImage[]> {
  return withReportPage(html, 'PNG export', { width: 1280 }, async (page) => {
    const images = (await page.evaluate(`(async () => {
      const out = [];
      for (const id of window.fp4labPlots.ids) {
        const el = document.getElementById('plot-' + id);
        const url = await Plotly.toImage(el, { format: 'png', width: ${size.width}, height: ${size.height}, scale: 2 });
        out.push({ id, base64: url.slice(url.indexOf(',') + 1) });
      }
      return out;
    })()`)) as { id: string; base64: string }[];
    return images.map((i) => ({ id: i.id, png: new Uint8Array(Buffer.from(i.base64, 'base64')) }));
  });
}
