// The built-in default flow (new channels use it unless told otherwise): a greeting; a customer
// already known by their WhatsApp number skips identification; otherwise the CPF/CNPJ is asked
// (skippable, three tries) and looked up; then a menu of the sectors; then the handoff to the
// sector chosen, which sends the protocol number and queues the ticket. Texts are in the
// installation's language; the admin edits them like any flow (a new version).
import type { Database } from 'bun:sqlite'
import { t, type Lang } from '../i18n'
import type { FlowDefinition } from './flow'
import type { BotStore } from './store'

const list = (s: string) =>
  s
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean)

export function builtinFlow(lang: Lang): FlowDefinition {
  const tx = (k: Parameters<typeof t>[1]) => t(lang, k)
  return {
    name: tx('bot.default_name'),
    start: 'boas_vindas',
    settings: {
      human_keywords: list(tx('bot.default_keywords')),
      skip_words: list(tx('bot.default_skip_words')),
      reminder_minutes: 5,
      reminder_text: tx('bot.default_reminder'),
      abandon_minutes: 15,
      abandon_text: tx('bot.default_abandon'),
      invalid_option_text: tx('bot.default_invalid_option'),
      list_button: tx('bot.default_list_button'),
      skip_button: tx('bot.default_skip_button'),
      fallback_sector_id: null,
    },
    steps: [
      { id: 'boas_vindas', type: 'message', text: tx('bot.default_greeting'), next: 'conhecido' },
      { id: 'conhecido', type: 'condition', rules: [{ if: 'customer_found', next: 'assunto' }], next: 'documento' },
      {
        id: 'documento',
        type: 'ask',
        kind: 'code',
        var: 'cpf_cnpj',
        label: 'CPF/CNPJ',
        text: tx('bot.default_ask_code'),
        retry_text: tx('bot.default_retry_code'),
        max_attempts: 3,
        skippable: true,
        skip_next: 'assunto',
        next: 'identificar',
        fail_next: 'assunto',
      },
      { id: 'identificar', type: 'identify', var: 'cpf_cnpj', create: false, next: 'assunto', not_found_next: 'assunto' },
      { id: 'assunto', type: 'menu', source: 'sectors', sector_ids: [], text: tx('bot.default_menu'), var: 'assunto', label: tx('bot.default_menu_label'), max_attempts: 3, next: 'transferir', fail_next: 'transferir' },
      { id: 'transferir', type: 'handoff', sector_id: null },
    ],
  }
}

/** Creates the built-in flow once (at start); its id is what a new channel gets by default. */
export function ensureBuiltinFlow(db: Database, store: BotStore, lang: Lang): number {
  const existing = store.flows.builtin()
  if (existing) return existing.id
  return db.transaction(() => store.flows.builtin()?.id ?? store.flows.create(builtinFlow(lang), null, true)).immediate()
}
