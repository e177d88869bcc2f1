// The cold-key rows' key counts, shared by `npm run bench` (bench/run.ts) and the memory bench
// that drives an instance as the bench does (bench/memory-per-key.ts, MEMORY_SHAPE=bench).

/**
 * Warm-up keys of a cold row, then its measured ones: each presented once (BENCH_SLICES slices).
 * The warm-up is what the other rows' 3 s are, V8 optimizing the path the row runs: after 1,000
 * keys the next 2,000 still set off ~220 optimizations on the server's core and cost ~2.5 times
 * the CPU of those after (every run's first cold round read about half the others); after 6,000,
 * ~40 and the same CPU as the rest (docs/performance.md, "Session 14"). The caches stay cold:
 * every key is presented once.
 */
export const COLD_WARMUP_KEYS = 6_000;
export const COLD_KEYS = 20_000;
