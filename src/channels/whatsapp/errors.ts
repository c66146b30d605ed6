// Graph API and webhook error codes (whatsapp.md §4): what to tell the agent, and what the sender
// does next. Decisions are made on `code` — Meta is deprecating the titles — and on the HTTP
// status only when there is no code (proxies, network).
import type { Lang } from '../../i18n'

interface Explanation {
  'pt-BR': string
  en: string
}

const EXPLANATIONS: Record<number, Explanation> = {
  0: { 'pt-BR': 'Falha de autenticação na Meta — gere um novo token de acesso para o canal', en: 'Meta authentication failed — generate a new access token for the channel' },
  1: { 'pt-BR': 'Erro desconhecido na API da Meta — o envio será tentado de novo', en: 'Unknown Meta API error — sending will be retried' },
  2: { 'pt-BR': 'Serviço da Meta temporariamente indisponível — o envio será tentado de novo', en: 'Meta service temporarily unavailable — sending will be retried' },
  3: { 'pt-BR': 'O aplicativo não tem permissão para esta ação na Meta', en: 'The app lacks the capability for this action at Meta' },
  4: { 'pt-BR': 'Limite de chamadas do aplicativo na Meta atingido — o envio será tentado em instantes', en: 'App call limit at Meta reached — sending will be retried shortly' },
  10: { 'pt-BR': 'Permissão negada pela Meta — verifique as permissões do token', en: 'Permission denied by Meta — check the token permissions' },
  100: { 'pt-BR': 'Requisição inválida (parâmetro não aceito pela Meta)', en: 'Invalid request (a parameter Meta does not accept)' },
  190: { 'pt-BR': 'Token de acesso expirado ou inválido — atualize o token do canal', en: 'Access token expired or invalid — update the channel token' },
  200: { 'pt-BR': 'Permissão negada pela Meta — verifique as permissões do token', en: 'Permission denied by Meta — check the token permissions' },
  368: { 'pt-BR': 'Conta bloqueada temporariamente pela Meta por violação de políticas', en: 'Account temporarily blocked by Meta for policy violations' },
  80007: { 'pt-BR': 'Limite de requisições da conta WhatsApp Business atingido — o envio será tentado de novo', en: 'WhatsApp Business Account rate limit reached — sending will be retried' },
  130429: { 'pt-BR': 'Limite de mensagens por segundo do número atingido — o envio será tentado de novo', en: 'Per-number throughput limit reached — sending will be retried' },
  130472: { 'pt-BR': 'O número do cliente está num experimento da Meta; a mensagem de marketing não foi entregue', en: "The customer's number is part of a Meta experiment; the marketing message was not delivered" },
  130497: { 'pt-BR': 'A conta não pode enviar mensagens para clientes deste país', en: 'The account cannot message users in this country' },
  131000: { 'pt-BR': 'Erro desconhecido no WhatsApp — o envio será tentado de novo', en: 'Unknown WhatsApp error — sending will be retried' },
  131005: { 'pt-BR': 'Acesso negado — o token não tem permissão para este número', en: 'Access denied — the token has no permission for this number' },
  131008: { 'pt-BR': 'Falta um campo obrigatório na mensagem', en: 'A required field is missing from the message' },
  131009: { 'pt-BR': 'Um valor da mensagem não é válido (número, mídia ou texto)', en: 'A value in the message is not valid (number, media or text)' },
  131016: { 'pt-BR': 'Serviço do WhatsApp sobrecarregado — o envio será tentado de novo', en: 'WhatsApp service overloaded — sending will be retried' },
  131021: { 'pt-BR': 'O destinatário é o próprio número do canal', en: "The recipient is the channel's own number" },
  131026: { 'pt-BR': 'Mensagem não entregue — o número pode não ter WhatsApp, estar desatualizado ou não ter aceitado os termos', en: 'Message undeliverable — the number may not be on WhatsApp, be outdated, or not have accepted the terms' },
  131031: { 'pt-BR': 'Conta do WhatsApp Business bloqueada pela Meta', en: 'WhatsApp Business Account locked by Meta' },
  131037: { 'pt-BR': 'O nome de exibição do número ainda não foi aprovado', en: "The number's display name is not approved yet" },
  131042: { 'pt-BR': 'Problema de pagamento na conta do WhatsApp Business', en: 'Payment problem on the WhatsApp Business Account' },
  131045: { 'pt-BR': 'Número não registrado corretamente (certificado inválido)', en: 'Number not registered correctly (bad certificate)' },
  131047: { 'pt-BR': 'Janela de 24 horas encerrada — envie um modelo (HSM)', en: '24-hour window closed — send a template (HSM)' },
  131048: { 'pt-BR': 'Envio limitado pela Meta por excesso de mensagens marcadas como spam', en: 'Sending limited by Meta: too many messages reported as spam' },
  131049: { 'pt-BR': 'A Meta não entregou a mensagem para preservar o engajamento (limite de mensagens de marketing para este cliente)', en: 'Meta did not deliver the message to keep engagement healthy (marketing limit for this user)' },
  131050: { 'pt-BR': 'O cliente optou por não receber mensagens de marketing', en: 'The customer opted out of marketing messages' },
  131051: { 'pt-BR': 'Tipo de mensagem não suportado', en: 'Unsupported message type' },
  131052: { 'pt-BR': 'Não foi possível baixar a mídia enviada pelo cliente (por exemplo, arquivo acima de 100 MB)', en: 'Could not download the media the customer sent (for example, a file over 100 MB)' },
  131053: { 'pt-BR': 'Falha ao enviar a mídia — tipo ou tamanho não aceito pelo WhatsApp', en: 'Media upload failed — type or size not accepted by WhatsApp' },
  131056: { 'pt-BR': 'Muitas mensagens para o mesmo cliente em pouco tempo — aguardando para reenviar', en: 'Too many messages to the same customer in a short time — waiting to resend' },
  131057: { 'pt-BR': 'Conta do WhatsApp Business em manutenção — o envio será tentado de novo', en: 'WhatsApp Business Account in maintenance — sending will be retried' },
  132000: { 'pt-BR': 'O número de parâmetros não corresponde ao modelo (HSM)', en: 'Parameter count does not match the template (HSM)' },
  132001: { 'pt-BR': 'Modelo (HSM) inexistente neste idioma ou ainda não aprovado', en: 'Template (HSM) does not exist in this language or is not approved yet' },
  132005: { 'pt-BR': 'O texto do modelo ficou longo demais com os parâmetros', en: 'Template text too long once parameters are filled in' },
  132007: { 'pt-BR': 'O conteúdo dos parâmetros viola a política de formato do modelo', en: 'Parameter content violates the template format policy' },
  132012: { 'pt-BR': 'Formato de parâmetro do modelo inválido (ex.: quebra de linha, tabulação ou mais de 4 espaços)', en: 'Invalid template parameter format (e.g. newline, tab or more than 4 spaces)' },
  132015: { 'pt-BR': 'Modelo (HSM) pausado por baixa qualidade', en: 'Template (HSM) paused for low quality' },
  132016: { 'pt-BR': 'Modelo (HSM) desativado por baixa qualidade', en: 'Template (HSM) disabled for low quality' },
  133004: { 'pt-BR': 'Servidor do WhatsApp temporariamente indisponível — o envio será tentado de novo', en: 'WhatsApp server temporarily unavailable — sending will be retried' },
  133010: { 'pt-BR': 'Número do canal não registrado na Cloud API', en: 'Channel number not registered on the Cloud API' },
}

const PERMISSION_RANGE = { min: 200, max: 299 }

/** Plain-language explanation of a Graph/webhook error code, for agents and admins. */
export function explainGraphError(code: number | null, lang: Lang = 'pt-BR'): string {
  if (code !== null) {
    const known = EXPLANATIONS[code] ?? (isPermissionCode(code) ? EXPLANATIONS[200] : undefined)
    if (known) return known[lang]
  }
  const suffix = code === null ? '' : ` (${code})`
  return lang === 'pt-BR' ? `Erro do WhatsApp${suffix}` : `WhatsApp error${suffix}`
}

/** True when we have a specific explanation for this code (not the generic fallback). */
export function isKnownGraphError(code: number): boolean {
  return code in EXPLANATIONS || isPermissionCode(code)
}

/**
 * What the sender does with a failed call (whatsapp.md §4):
 * - `retry`: keep in the outbox, back off with jitter;
 * - `retry_slowly`: pair rate limit (131056), wait 4^n s;
 * - `channel`: the channel is broken (token, permissions, account lock) — pause its outbox, alert
 *   admins, do not fail the messages;
 * - `permanent`: fail this message with the explanation, never retry.
 */
export type GraphErrorAction = 'retry' | 'retry_slowly' | 'channel' | 'permanent'

const RETRY_CODES = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131057, 133004])
const CHANNEL_CODES = new Set([0, 10, 190, 368, 131031])

/**
 * `status` is the HTTP status, null when there was no HTTP answer (network error, timeout) or
 * when the code comes from a `failed` status webhook; `code` is `error.code`, null when absent.
 * A code we know decides; otherwise the HTTP status does.
 */
export function classifyGraphError(status: number | null, code: number | null): GraphErrorAction {
  if (code !== null) {
    if (code === 131056) return 'retry_slowly'
    if (RETRY_CODES.has(code)) return 'retry'
    if (CHANNEL_CODES.has(code) || isPermissionCode(code)) return 'channel'
    if (isKnownGraphError(code)) return 'permanent'
  }
  // No HTTP answer and no code: the request may not have arrived — retry. A failed status with an
  // unknown code already went through Meta: resending could duplicate, so it is permanent.
  if (status === null) return code === null ? 'retry' : 'permanent'
  if (status === 429 || status >= 500) return 'retry'
  if (status === 401 || status === 403) return 'channel'
  return 'permanent'
}

function isPermissionCode(code: number): boolean {
  return code >= PERMISSION_RANGE.min && code <= PERMISSION_RANGE.max
}

/**
 * Never retry this message. 429, 5xx, network errors and the throughput codes (130429, 131056, …)
 * are retryable; channel-level failures (190 token, 368/131031 locks, permissions) are not
 * permanent for the message either — the outbox pauses instead. Every other 4xx is permanent.
 */
export function isPermanentGraphError(status: number | null, code: number | null): boolean {
  return classifyGraphError(status, code) === 'permanent'
}
