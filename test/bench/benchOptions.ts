/**
 * The options the analysis and renderer benchmarks share: `--runs N` (at least 5, so every
 * figure is a median of five or more) and `--sizes 4096,8192` (square tensor sides), plus any
 * other `--name value` or bare `--flag`.
 */
export interface BenchOptions {
  readonly runs: number;
  readonly sizes: readonly number[];
  value(name: string, fallback: string): string;
  flag(name: string): boolean;
}

export function benchOptions(argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  const value = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
  };
  return {
    runs: Math.max(5, Number(value('runs', '5'))),
    sizes: value('sizes', '4096,8192').split(',').map(Number),
    value,
    flag: (name) => argv.includes(`--${name}`),
  };
}
