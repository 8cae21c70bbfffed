// The benchmark's workflow bundle: the production workflows plus the naive baseline.
export * from '../workflows';
export * from './naive-polling-workflow';
