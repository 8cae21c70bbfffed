/**
 * The provider test vectors (signatures, JWT, CPF, resident ID, mobile, UUID, token), computed
 * independently of this code. A copy of the team's shared `providers/vectors.json` lives in
 * test/fixtures so the suite runs from any clone; `vectors-copy.test.ts` keeps the copy in step.
 */
import { join } from 'node:path';

export const PROVIDER_VECTORS_FILE =
  process.env.PROVIDER_VECTORS_FILE ?? join(__dirname, '..', 'fixtures', 'provider-vectors.json');

/** Where the team's shared original is, beside the clone (absent outside the team's workspace). */
export const SHARED_VECTORS_FILE = join(__dirname, '..', '..', '..', 'shared', 'providers', 'vectors.json');
