/**
 * One measurement of the tensor-file bench in a fresh process, so its peak RSS is its own:
 *   open PATH             open + list every tensor
 *   read PATH NAME        read one tensor through the parser (opened untimed first)
 *   plain PATH OFFSET LEN a plain sequential read of the same bytes, for comparison
 *   baseline              load the same modules and do nothing (the RSS floor)
 * Prints one JSON line: {ms, maxRssMiB, bytesRead, ...}.
 */
import { open } from 'node:fs/promises';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { findTensor } from '../../app/tensors/tensorFile';
import { openFileByteSource } from '../../main/io/fileByteSource';
import { nodeInflater } from '../../main/io/nodeInflater';

const [mode, path, ...rest] = process.argv.slice(2);
const maxRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
const report = (r: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...r, maxRssMiB: maxRssMiB() })}\n`);
};

async function countingOpen(): Promise<{ bytesRead: () => number; file: Awaited<ReturnType<typeof openTensorFile>>; close: () => Promise<void> }> {
  const source = await openFileByteSource(path);
  let bytes = 0;
  const counting = { name: source.name, size: source.size, read: (o: number, n: number) => ((bytes += n), source.read(o, n)) };
  const file = await openTensorFile(counting, { inflater: nodeInflater });
  return { bytesRead: () => bytes, file, close: () => source.close() };
}

if (mode === 'baseline') {
  report({ ms: 0, bytesRead: 0 });
} else if (mode === 'open') {
  const started = performance.now();
  const opened = await countingOpen();
  const listing = opened.file.tensors.map((t) => `${t.name} ${t.dtype} [${t.shape.join(', ')}]`);
  const ms = performance.now() - started;
  await opened.close();
  report({ ms, bytesRead: opened.bytesRead(), tensors: listing.length });
} else if (mode === 'read') {
  const opened = await countingOpen();
  const before = opened.bytesRead();
  const entry = findTensor(opened.file, rest[0]);
  const started = performance.now();
  const bytes = await entry.read();
  const ms = performance.now() - started;
  await opened.close();
  report({ ms, bytesRead: opened.bytesRead() - before, length: bytes.length });
} else if (mode === 'plain') {
  const [offset, length] = rest.map(Number);
  const handle = await open(path, 'r');
  const started = performance.now();
  const buf = new Uint8Array(length);
  const chunk = 8 << 20;
  for (let done = 0; done < length; ) {
    const { bytesRead } = await handle.read(buf, done, Math.min(chunk, length - done), offset + done);
    if (bytesRead === 0) throw new Error('short read');
    done += bytesRead;
  }
  const ms = performance.now() - started;
  await handle.close();
  report({ ms, bytesRead: length, length: buf.length });
} else {
  throw new Error(`unknown mode ${mode}`);
}
