/** What each flow's demo step gets from the demo orchestrator (`scripts/demo.ts`). */
import type { Client } from '@temporalio/client';
import type { KycClient } from '../../client';
import type { SimulatorControl } from '../../simulators/framework/control-client';
import type { NotificationReceiverControl } from '../../simulators/notification-receiver';

export interface DemoContext {
  /** The project's client library: what the demo starts and drives every workflow with. */
  kyc: KycClient;
  /** The same connection's plain Temporal client (for raw visibility queries and history). */
  client: Client;
  taskQueue: string;
  namespace: string;
  /** Base URL of the Temporal UI, e.g. http://127.0.0.1:8233; none for an external server without TEMPORAL_UI_URL. */
  uiUrl: string | undefined;
  controls: { bank: SimulatorControl; esign: SimulatorControl; phone: SimulatorControl };
  /** The receiver every flow's completion notification goes to (it verifies the signatures). */
  notifications: NotificationReceiverControl;
  /** Prints one line of the demo's narration (never personal data). */
  say(line: string): void;
  /** A link to one workflow run in the Temporal UI (or the CLI command that shows it, without a UI). */
  workflowLink(workflowId: string): string;
}
