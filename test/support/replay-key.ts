/**
 * A fixed payload key for histories recorded to test/histories/ whose payloads are encrypted: the
 * replay test (no server) decodes them with the same key. A test fixture, never used outside tests.
 */
export const REPLAY_FIXTURE_PAYLOAD_KEYS = 'replay-fixture:cmVwbGF5LWZpeHR1cmUta2V5LTMyLWJ5dGVzLW9rISE=';
