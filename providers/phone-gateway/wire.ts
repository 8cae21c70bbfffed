/**
 * The gateway's wire format (README section 3), as zod schemas. The client validates what it
 * sends with `gatewayRequestSchema` and the simulator validates what it receives with the same
 * schema, so the simulator cannot accept a body the client would never send.
 */
import { z } from 'zod';
import { chineseMobile, isValidResidentId } from '../../contracts/identifiers';

export const PHONE_VERIFICATION_PATH = '/tech/ai/celerity/universal';
export const PHONE_VERIFICATION_BUSCODE = 'PhoneVerification';
export const REAL_NAME_GROUP = 'real';

/** On the wire the check character must already be upper case: the client normalises, nobody guesses. */
const wireResidentId = z
  .string()
  .regex(/^\d{17}[\dX]$/, { message: 'must be 17 digits followed by a digit or X' })
  .refine(isValidResidentId, { message: 'has a wrong check character (GB 11643)' });

export const gatewayRequestSchema = z.object({
  async: z.boolean().optional(),
  extData: z.record(z.string(), z.unknown()).optional(),
  buscode: z.literal(PHONE_VERIFICATION_BUSCODE),
  group: z.literal(REAL_NAME_GROUP),
  data: z.object({
    IdCard: wireResidentId,
    // The client sends the trimmed name; a body with spaces around it did not come from it.
    Name: z
      .string()
      .max(64, { message: 'must be at most 64 characters' })
      .refine((name) => name.length > 0 && name === name.trim(), {
        message: 'must be non-empty, without spaces around it',
      }),
    Phone: chineseMobile,
  }),
});

export type GatewayRequest = z.infer<typeof gatewayRequestSchema>;

/** Integers arrive as numbers or numeric strings (the page types `errcode` as Num and `Result` as String). */
const integerLike = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);

/** The page types `result` as String yet shows an object: accept an object or a string holding its JSON. */
function objectOrJsonString<S extends z.ZodType>(schema: S) {
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }, schema);
}

/** The outer envelope; `data` is read only when `errcode` is 0. Unknown fields are ignored. */
export const gatewayEnvelopeSchema = z.object({
  errcode: integerLike,
  errmsg: z.string().nullish(),
  data: z.unknown().optional(),
});

export const gatewayVerificationSchema = z.object({
  traceNo: z.union([z.string().min(1), z.number().transform(String)]),
  status: z.string().optional(),
  result: objectOrJsonString(
    z.object({
      responseJson: objectOrJsonString(
        z.object({
          Response: z.object({
            Result: z.union([z.string().regex(/^-?\d+$/), z.number().int().transform(String)]),
            Description: z.string().nullish(),
            Isp: z.string().nullish(),
            RequestId: z.string().min(1),
          }),
        }),
      ),
    }),
  ),
});

export type GatewayVerification = z.output<typeof gatewayVerificationSchema>;
