import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../io/atomicWrite';

export const MAX_RECENT_FILES = 10;

/** The list after opening `path`: it moves to the front, duplicates go, the oldest fall off. */
export function withRecent(list: readonly string[], path: string, max = MAX_RECENT_FILES): string[] {
  return [path, ...list.filter((p) => p !== path)].slice(0, max);
}

/** Open Recent, kept in a small JSON file in the user's data folder (written atomically). */
export class RecentFiles {
  private list: string[] = [];

  constructor(private readonly file: string) {}

  async load(): Promise<void> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      this.list = Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT_FILES) : [];
    } catch {
      this.list = []; // missing or unreadable: start empty
    }
  }

  get paths(): readonly string[] {
    return this.list;
  }

  has(path: string): boolean {
    return this.list.includes(path);
  }

  async add(path: string): Promise<void> {
    this.list = withRecent(this.list, path);
    await this.save();
  }

  async clear(): Promise<void> {
    this.list = [];
    await this.save();
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.file, [new TextEncoder().encode(JSON.stringify(this.list, null, 2))], { overwrite: true }).catch(() => undefined);
  }
}
