import { existsSync, readFileSync } from 'node:fs';
import { PROVIDER_VECTORS_FILE, SHARED_VECTORS_FILE } from '../support/vectors';

describe('provider test vectors', () => {
  it('are the same as the shared original wherever that is beside the clone', () => {
    const copy = readFileSync(PROVIDER_VECTORS_FILE, 'utf8');
    expect(JSON.parse(copy)).toHaveProperty('bank_jwt');
    // Outside the team's workspace there is no original to compare with; the copy is then the reference.
    const original = existsSync(SHARED_VECTORS_FILE) ? readFileSync(SHARED_VECTORS_FILE, 'utf8') : copy;
    expect(JSON.parse(copy)).toEqual(JSON.parse(original));
  });
});
