/**
 * What the UI needs from where it runs beyond the Api (Netron's host seam). Saving and opening
 * files are the Api's host part (saveExport, openLocalFile: a download or upload on the web, a
 * dialog or a path on the desktop); what is left is the clipboard.
 */
export interface Host {
  /** Put text on the clipboard; false when the platform refused (the UI then shows the text). */
  copyText(text: string): Promise<boolean>;
}

export const browserHost: Host = {
  async copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return false;
    }
  },
};
