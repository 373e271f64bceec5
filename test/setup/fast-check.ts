// Property tests run with a fixed seed, so `npm test` is repeatable and a CI run cannot fail on a case the last one
// never met. To explore new cases: FC_SEED=random npm test (or FC_SEED=<n> to replay one a run printed).
import fc from 'fast-check';

const seed = process.env.FC_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: seed ? Number(seed) : 20261202 });
