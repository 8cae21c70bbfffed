/**
 * The one rule for reading environment variables, used by every loader (common/config.ts,
 * common/observability-config.ts, common/tracing.ts, common/temporal-connection.ts,
 * common/local-profile.ts) and the scripts: a variable set to an empty or blank value counts as
 * unset. `VAR=` in a compose file, an `.env` line or `export VAR=` in a shell is how people leave a
 * setting out; taking it as set made `TEMPORAL_ADDRESS=` an error and `TEMPORAL_API_KEY=` turn
 * TLS on. No setting of the project has a meaningful empty value.
 */

/** `env` without the variables whose value is empty or only whitespace (a copy; values kept as they are). */
export function withoutEmptyValues(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') kept[name] = value;
  }
  return kept;
}

/** One variable's value, or undefined when it is unset, empty or blank. */
export function readVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}
