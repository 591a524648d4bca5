import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, session } from 'electron';

/**
 * PDF export: Chromium prints the self-contained HTML report. It is loaded from a temp file in
 * a hidden, sandboxed window whose session may load nothing but that folder (the report needs
 * no network; a stray URL in it fetches nothing).
 */
export async function printHtmlToPdf(html: Uint8Array): Promise<Uint8Array> {
  const dir = await mkdtemp(join(app.getPath('temp'), 'fp4lab-pdf-'));
  const file = join(dir, 'report.html');
  const allowedPrefix = pathToFileURL(dir).href + '/';
  const printSession = session.fromPartition('fp4lab-pdf');
  printSession.webRequest.onBeforeRequest((details, callback) => {
    const ok = details.url.startsWith(allowedPrefix) || details.url.startsWith('data:') || details.url.startsWith('blob:');
    callback({ cancel: !ok });
  });
  const win = new BrowserWindow({ show: false, webPreferences: { session: printSession, sandbox: true, contextIsolation: true, nodeIntegration: false } });
  try {
    await writeFile(file, html);
    await win.loadFile(file);
    const pdf = await win.webContents.printToPDF({ printBackground: true, pageSize: 'A4', margins: { top: 0.4, bottom: 0.4, left: 0.4, right: 0.4 } });
    return new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  } finally {
    win.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
