/** A typed client of the bank simulator's own control routes, for tests and the demo. */
import { SimulatorControl } from '../framework/control-client';
import type { AccountSetup, SentToken } from './bank';
import type { BANK_ROUTES } from './index';

export type BankRouteName = keyof typeof BANK_ROUTES;

export class BankDeviceControl {
  readonly generic: SimulatorControl;

  constructor(control: SimulatorControl | string) {
    this.generic = typeof control === 'string' ? new SimulatorControl(control) : control;
  }

  /** Registers an account with its approvers' CPFs; `kind` blocked/closed/hub makes it refuse devices. */
  async registerAccount(setup: AccountSetup): Promise<void> {
    await this.generic.request('POST', '/accounts', setup);
  }

  async setRequester(setup: { configured?: boolean; can_create_devices?: boolean }): Promise<void> {
    await this.generic.request('POST', '/requester', setup);
  }

  /**
   * The token the bank "sent" to the approver, as the approver would read it. With `waitMs` the
   * simulator holds the answer until a token past the `afterSent`-th was sent (or the wait ends):
   * the approver's phone is pushed the SMS, it does not poll.
   */
  async sentToken(deviceKey: string, wait: { waitMs: number; afterSent?: number } = { waitMs: 0 }): Promise<SentToken> {
    const query = wait.waitMs > 0 ? `?waitMs=${wait.waitMs}&afterSent=${wait.afterSent ?? 0}` : '';
    return (await this.generic.request('GET', `/tokens/${deviceKey}${query}`)) as SentToken;
  }

  /**
   * The bank takes `delayMs` to process the next `times` calls of a route; they complete even if
   * the caller left. `phase: 'after'` does the work at once (a created device's token is already
   * sent) and holds only the answer.
   */
  async slow(route: BankRouteName, delayMs: number, times = 1, phase: 'before' | 'after' = 'before'): Promise<void> {
    await this.generic.request('POST', '/slow', { route, delayMs, times, phase });
  }

  async counter(name: string): Promise<number> {
    return this.generic.counter(name);
  }
}
