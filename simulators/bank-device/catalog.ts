/**
 * The answers the simulated bank gives, with the texts of the provider's pages. Kept apart from
 * the client's error table on purpose: the simulator says what the bank sends, the client decides
 * what it means, and a test only passes when the two agree.
 */
export interface BankAnswer {
  status: number;
  body: unknown;
}

interface CatalogEntry {
  status: number;
  title: string;
  description: string;
  translation: string;
}

export const BANK_ERROR_CATALOG = {
  QIT000001: { status: 400, title: 'Bad Request', description: 'Schema Error', translation: 'Erro de Schema' },
  OBD000002: {
    status: 404,
    title: 'Not Found',
    description: 'Bank account not found',
    translation: 'Conta não encontrada',
  },
  OBD000088: {
    status: 400,
    title: 'Bad Request',
    description: 'Account blocked or closed can not perform this action',
    translation: 'A conta bloqueada ou fechada não pode executar esta ação',
  },
  OBD000089: {
    status: 400,
    title: 'Bad Request',
    description: 'Hub account can not perform this action',
    translation: 'A conta hub não pode executar esta ação',
  },
  OBD000090: {
    status: 403,
    title: 'No approver permission',
    description: 'Given document number does not belong to an approver for this account',
    translation: 'Número de documento enviado não pertence a um aprovador da conta',
  },
  OBD000091: {
    status: 400,
    title: 'tfa_info is required',
    description: 'Client must send object tfa_info',
    translation: 'Cliente deve enviar objeto tfa_info.',
  },
  OBD000092: {
    status: 400,
    title: 'Invalid device info',
    description: 'Session ID and Device Key must be a valid UUID4',
    translation: 'A Session ID e o Device Key devem ser um UUID4 válidos',
  },
  OBD000093: {
    status: 404,
    title: 'Requester Configuration not found',
    description: 'There is no Requester Configuration attributed to requester_key',
    translation: 'Não há Requester Configuration para a requester_key enviada',
  },
  OBD000094: {
    status: 403,
    title: 'Requester not allowed to create a device',
    description: 'Requester has no permission to create a device',
    translation: 'Requester não possui permissão para criar um dispositivo',
  },
  OBD000097: {
    status: 400,
    title: 'Error occurred while sending token',
    description: 'An unexpected error occurred while sending token',
    translation: 'Um erro inexperado ocorreu ao tentar enviar token',
  },
  OBD000099: {
    status: 400,
    title: 'Number of token validation attempts exceeded',
    description: 'The maximum number of failed token validation attempts has been reached',
    translation: 'Número máximo de tentativas de validação de token atingida',
  },
  OBD000100: {
    status: 404,
    title: 'Device not found',
    description: 'No device is associated with the provided device_key.',
    translation: 'Nenhum dispositivo está associado à device_key fornecida.',
  },
  // The incorrect token, spelled as the public documentation spells it (seven digits).
  OBD0000100: {
    status: 400,
    title: 'Incorrect Token',
    description: 'Token sent does not match expected',
    translation: 'Token enviado não condiz com o esperado',
  },
  GDF000003: {
    status: 400,
    title: 'Bad Request',
    description: 'No API Client Key received',
    translation: 'Nenhuma chave de API do cliente recebida',
  },
  GDF000014: {
    status: 401,
    title: 'QI Unauthenticated',
    description:
      'Please provide valid credentials as part of the request. Details: Failed while decoding the authentication token',
    translation:
      'Por favor forneça credenciais válidas como parte da request. Detalhes: Falha ao decodificar o token de autenticação',
  },
  GDF000018: {
    status: 404,
    title: 'Not Found',
    description: 'No ClientIntegration found for api_client_key.',
    translation: 'Nenhuma ClientIntegration encontrada para api_client_key.',
  },
  // Not documented: the simulator's own answers, coded SIM so nobody mistakes them for the bank's.
  SIM000001: {
    status: 409,
    title: 'Conflict',
    description: 'A device with this device_key already exists on this account (simulator)',
    translation: 'Já existe um dispositivo com esta device_key nesta conta (simulador)',
  },
  SIM000002: {
    status: 409,
    title: 'Conflict',
    description: 'The device is not waiting for a token (simulator)',
    translation: 'O dispositivo não está aguardando um token (simulador)',
  },
} satisfies Record<string, CatalogEntry>;

export type BankErrorCode = keyof typeof BANK_ERROR_CATALOG;

/** The documented error envelope for one code, e.g. for a `status` fault in a test. */
export function bankError(code: BankErrorCode, extraFields: Record<string, unknown> = {}): BankAnswer {
  const entry: CatalogEntry = BANK_ERROR_CATALOG[code];
  return {
    status: entry.status,
    body: {
      title: entry.title,
      description: entry.description,
      translation: entry.translation,
      code,
      extra_fields: extraFields,
    },
  };
}
