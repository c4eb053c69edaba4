// Seeds of the fast-check property tests. A property test runs once per seed, so that what CI checks is the same
// on every run (a failure is a regression, not bad luck) and a local run can still explore.
//
//   (unset)           the first DEFAULT_SEED_COUNT seeds of FIXED_SEEDS: what CI runs
//   FC_SEED=all       all 20 FIXED_SEEDS
//   FC_SEED=random    one random seed, printed so that a failure can be replayed
//   FC_SEED=<n>[,<n>] these seeds (replaying a failure)
//
// The suite is kept green across all 20 FIXED_SEEDS (`FC_SEED=all npx jest test/hostile.test.ts`).

/** Twenty fixed seeds, chosen once at random. Appending is fine; changing one changes what CI checks. */
export const FIXED_SEEDS: readonly number[] = [
  1645310023, 907124281, 2088714520, 1302155779, 468822731, 1938406217, 74512803, 1287799412, 532901188, 2003117065,
  1166370294, 352481907, 1790254613, 849517340, 1577042786, 219960451, 1411830697, 987326154, 1859563429, 640215877,
];

/** Seeds a run uses without FC_SEED, CI included. */
export const DEFAULT_SEED_COUNT = 4;

/** The seeds of this run, by FC_SEED (see above). A random seed is printed. */
export function propertySeeds(env: NodeJS.ProcessEnv = process.env): number[] {
  const v = env.FC_SEED?.trim();
  if (v === undefined || v === '') return FIXED_SEEDS.slice(0, DEFAULT_SEED_COUNT);
  if (v === 'all') return [...FIXED_SEEDS];
  if (v === 'random') {
    const seed = Math.floor(Math.random() * 0x7fffffff);
    // eslint-disable-next-line no-console
    console.log(`fast-check: FC_SEED=random picked seed ${seed}; replay with FC_SEED=${seed}`);
    return [seed];
  }
  const seeds = v.split(',').map((s) => s.trim());
  if (!seeds.every((s) => /^-?\d+$/.test(s))) throw new Error(`FC_SEED: expected "all", "random" or integer seeds separated by commas, got ${JSON.stringify(v)}`);
  return seeds.map(Number);
}
