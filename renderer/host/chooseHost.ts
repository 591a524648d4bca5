import { desktopHost } from './desktopHost';
import type { Host } from './host';
import { webHost } from './webHost';

/** The desktop bridge when the preload put one there, else the browser. */
export function chooseHost(): Host {
  return window.fp4labHost ? desktopHost(window.fp4labHost) : webHost;
}
