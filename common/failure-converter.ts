/**
 * The failure converter of the encrypting data converter, loaded by path (`failureConverterPath`)
 * because it must also run inside the workflow sandbox. It moves failure messages and stack traces
 * into the encoded attributes, a payload the codec encrypts: error messages are written to never
 * hold personal data, but a message quoting input would otherwise be stored in plain text.
 * Imports only @temporalio/common, so the workflow bundle can include it.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
