/**
 * The provider's JSON, parsed with zod: unknown fields are dropped, unknown sub-flow types and
 * statuses are kept as text, and the fields decisions rest on (`code`, `flowId`, `flowStatus`,
 * the start link, the token) are strict. Output is the normalised contract shape.
 */
import { z } from 'zod';
import { flowStatusSchema, type IdentityOutline } from '../../contracts/identity-flow';

/** `{ code, message, data }`; `code` 0 is success. Some gateways send the code as a string. */
export const envelopeSchema = z.object({
  code: z.union([
    z.number().int(),
    z
      .string()
      .regex(/^-?\d+$/)
      .transform(Number),
  ]),
  message: z.string().nullish(),
  data: z.unknown().optional(),
});

const optionalText = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

const epochMillis = z
  .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
  .nullish()
  .transform((value) => value ?? null);

const subFlowWire = z.object({
  subFlowId: z.string(),
  subFlowType: z.string(),
  status: z.string(),
});

const subFlowsWire = z
  .array(subFlowWire)
  .nullish()
  .transform((value) => value ?? []);

const relatedFlowWire = z.object({
  flowId: z.string(),
  flowStatus: z.string(),
  objectType: optionalText,
  contextId: optionalText,
  failReason: optionalText,
  subFlows: subFlowsWire,
});

export const outlineWireSchema = z
  .object({
    flowId: z.string().min(1),
    flowStatus: flowStatusSchema,
    objectType: optionalText,
    contextId: optionalText,
    failReason: optionalText,
    createTime: epochMillis,
    modifyTime: epochMillis,
    subFlows: subFlowsWire,
    relatedFlows: z
      .array(relatedFlowWire)
      .nullish()
      .transform((value) => value ?? []),
  })
  .transform((outline): IdentityOutline => outline);

export const startFlowWireSchema = z.object({
  flowId: z.string().min(1),
  url: z.url(),
  shortLink: z.url().nullish(),
});

/** `expiresIn` is an epoch-ms expiry in the platform's answers; a small number is read as seconds of lifetime. */
export const tokenWireSchema = z.object({
  token: z.string().min(1),
  expiresIn: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]),
});

/** The detail view: kept loose on purpose, nothing in the workflow depends on it. */
export const detailWireSchema = z.looseObject({ flowId: z.string().min(1) });
