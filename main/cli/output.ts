/** CLI output: JSON for scripts, aligned "key: value" lines for people. */
export function printResult(json: boolean, result: Record<string, unknown>): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const width = Math.max(...Object.keys(result).map((k) => k.length));
  for (const [k, v] of Object.entries(result)) {
    const text = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    process.stdout.write(`${k.padEnd(width)}  ${text}\n`);
  }
}

/** A note for the person at the terminal (stderr, so piped JSON stays clean). */
export function printNote(line: string): void {
  process.stderr.write(`fp4lab: note: ${line}\n`);
}
