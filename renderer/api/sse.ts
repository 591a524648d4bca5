/** One server-sent event. */
export interface SseMessage {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

/**
 * Read a text/event-stream body (WHATWG "server-sent events" framing: lines, a blank line ends
 * an event, ':' starts a comment). fetch() gives us the body as a stream, which unlike
 * EventSource lets the request carry the token header.
 */
export async function readSseStream(body: ReadableStream<Uint8Array>, onMessage: (message: SseMessage) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = 'message';
  let data: string[] = [];
  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0) onMessage({ id, event, data: data.join('\n') });
      event = 'message';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      // A held-back final '\r' ends its line; anything else unterminated is dropped, as the spec says.
      if (buffer.endsWith('\r')) line(buffer.slice(0, -1));
      break;
    }
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r\n|\r|\n/)) !== -1) {
      // A chunk ending in '\r' may be half of '\r\n': wait for the next one to tell.
      if (nl === buffer.length - 1 && buffer[nl] === '\r') break;
      const sep = buffer.startsWith('\r\n', nl) ? 2 : 1;
      line(buffer.slice(0, nl));
      buffer = buffer.slice(nl + sep);
    }
  }
}
