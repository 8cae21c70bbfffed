/**
 * The banking device API's bodies as zod schemas (README §1 and §4.1). The client checks what it
 * sends and what it receives with them; the simulator validates requests with the same request
 * schemas, so it refuses exactly what the bank documents it refuses.
 *
 * Responses are lenient about fields we do not use (the bank adds fields, and the status read
 * carries personal data we must not keep) and strict about the ones we do.
 */
import { z } from 'zod';
import { UUID_V4_PATTERN } from '../../contracts/identifiers';

const uuid = z.string().regex(UUID_V4_PATTERN, { message: 'must be a UUID v4' });

export const tfaInfoSchema = z.object({
  approver_document_number: z.string().regex(/^\d{11}$/, { message: 'must be 11 digits' }),
  contact_type: z.enum(['sms', 'email', 'liveness']),
  image_key: uuid.optional(),
});

/**
 * `POST /account/{account_key}/device`. The page requires `image_key` for liveness and does not
 * list it for sms/email (our own input refuses it there; the bank's answer to it is unknown).
 */
export const createDeviceBodySchema = z
  .object({
    device_key: uuid,
    session_id: uuid,
    tfa_info: tfaInfoSchema,
  })
  .refine((body) => body.tfa_info.contact_type !== 'liveness' || body.tfa_info.image_key !== undefined, {
    path: ['tfa_info', 'image_key'],
    message: 'is required for liveness',
  });
export type CreateDeviceBody = z.output<typeof createDeviceBodySchema>;

/** `PUT .../device/{device_key}/validate`: the 6-character token the approver received. */
export const validateTokenBodySchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9]{6}$/, { message: 'must be 6 letters or digits' }),
});
export type ValidateTokenBody = z.output<typeof validateTokenBodySchema>;

/** `PATCH .../device/{device_key}/resend_token`; without contact_type the bank reuses the original one. */
export const resendTokenBodySchema = z.object({ contact_type: z.enum(['sms', 'email']).optional() });
export type ResendTokenBody = z.output<typeof resendTokenBodySchema>;

export const createDeviceResponseSchema = z.object({
  device_key: z.string(),
  device_status: z.enum(['pending_2fa_approval', 'created']),
  created_at: z.string().optional(),
});
export type CreateDeviceResponse = z.output<typeof createDeviceResponseSchema>;

export const validateTokenResponseSchema = z.object({
  device_key: z.string(),
  device_status: z.literal('created'),
});
export type ValidateTokenResponse = z.output<typeof validateTokenResponseSchema>;

export const resendTokenResponseSchema = z.object({ device_status: z.literal('pending_2fa_approval') });
export type ResendTokenResponse = z.output<typeof resendTokenResponseSchema>;

export const DEVICE_STATUSES = ['registered', 'not_registered', 'deactivated'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** `GET .../device/{device_key}`: the source of truth after any doubt. Only the fields we use survive. */
export const deviceStatusResponseSchema = z.object({
  device_key: z.string(),
  status: z.enum(DEVICE_STATUSES),
  analysis_status: z.string().optional(),
});
export type DeviceStatusResponse = z.output<typeof deviceStatusResponseSchema>;

/** `DELETE .../device/{device_key}/disable`. */
export const disableDeviceResponseSchema = z.object({
  device_key: z.string(),
  device_status: z.string(),
});
export type DisableDeviceResponse = z.output<typeof disableDeviceResponseSchema>;

/** Every 4xx: `{ title, description, translation, code, extra_fields }`. */
export const errorEnvelopeSchema = z.object({
  code: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  translation: z.string().optional(),
  extra_fields: z.unknown().optional(),
});
export type ErrorEnvelope = z.output<typeof errorEnvelopeSchema>;

/** The API's paths, built in one place for the client and matched in one place by the simulator. */
export const bankPaths = {
  devices: (accountKey: string) => `/account/${accountKey}/device`,
  device: (accountKey: string, deviceKey: string) => `/account/${accountKey}/device/${deviceKey}`,
  validate: (accountKey: string, deviceKey: string) => `/account/${accountKey}/device/${deviceKey}/validate`,
  resend: (accountKey: string, deviceKey: string) => `/account/${accountKey}/device/${deviceKey}/resend_token`,
  disable: (accountKey: string, deviceKey: string) => `/account/${accountKey}/device/${deviceKey}/disable`,
};
