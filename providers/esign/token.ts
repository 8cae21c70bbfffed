/**
 * The OAuth2 token of the token auth mode, cached and refreshed before it expires. Concurrent
 * callers share one refresh; a token the gateway rejects is dropped so the next call fetches anew.
 */
export interface IssuedToken {
  token: string;
  expiresAt: number;
}

/** Refresh this long before expiry: 5 minutes, or a tenth of the lifetime for short-lived tokens. */
export function refreshAt(issued: IssuedToken, obtainedAt: number): number {
  const lifetime = Math.max(0, issued.expiresAt - obtainedAt);
  return issued.expiresAt - Math.min(5 * 60_000, lifetime / 10);
}

/** The platform answers an epoch-ms expiry; a small number can only be a lifetime in seconds. */
export function expiryFrom(expiresIn: number, obtainedAt: number): number {
  return expiresIn > 1e12 ? expiresIn : obtainedAt + expiresIn * 1000;
}

export class TokenCache {
  private current: { token: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly issue: () => Promise<IssuedToken>,
    private readonly now: () => number,
  ) {}

  async get(): Promise<string> {
    if (this.current && this.now() < this.current.refreshAt) return this.current.token;
    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets a token the gateway refused, unless a newer one already replaced it. */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async refresh(): Promise<string> {
    const obtainedAt = this.now();
    const issued = await this.issue();
    this.current = { token: issued.token, refreshAt: refreshAt(issued, obtainedAt) };
    return issued.token;
  }
}
