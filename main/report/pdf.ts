import { withReportPage } from './chromium';

/**
 * A report printed to PDF by headless Chromium (the CLI's --pdf and web mode; the desktop app
 * prints the same HTML with Electron's printToPDF). A4, backgrounds kept, page numbers in the
 * footer. The page is laid out for print before its plots are drawn, so each plot is sized for
 * the paper rather than squeezed from a screen layout.
 */
const A4_PRINTABLE_WIDTH_PX = Math.round(((210 - 2 * 10) / 25.4) * 96); // 10 mm side margins

export async function printReportToPdf(html: string): Promise<Uint8Array> {
  return withReportPage(html, 'PDF export', { width: A4_PRINTABLE_WIDTH_PX, height: 1100, print: true }, async (page) => {
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '12mm', bottom: '14mm', left: '10mm', right: '10mm' },
      displayHeaderFooter: true,
      headerTemplate: '<div></div>',
      footerTemplate: '<div style="font: 8px system-ui, sans-serif; color: #777; width: 100%; text-align: center;"><span class="pageNumber"></span> / <span class="totalPages"></span></div>',
    });
    return new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  });
}
