import { openTensorFile } from '../../app/tensors/openTensorFile';
import type { TensorFile } from '../../app/tensors/tensorFile';
import { openFileByteSource } from './fileByteSource';

export interface OpenedTensorFile {
  readonly path: string;
  readonly file: TensorFile;
  close(): Promise<void>;
}

/** Open a tensor file on disk: the header is parsed now, tensor bytes are read when used. */
export async function openTensorFileAtPath(path: string): Promise<OpenedTensorFile> {
  const source = await openFileByteSource(path);
  try {
    return { path, file: await openTensorFile(source), close: () => source.close() };
  } catch (e) {
    await source.close();
    throw e;
  }
}
