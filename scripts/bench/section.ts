/** One part of `npm run bench`; scripts/bench.ts runs every section and merges their figures. */
export interface BenchSection {
  name: string;
  /** Figures keyed as they appear in bench-results.json; `log` prints progress and results for people. */
  run(log: (line: string) => void): Promise<Record<string, number | string | boolean>>;
}
