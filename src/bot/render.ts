// How a bot question goes out (whatsapp.md §4): a menu as interactive reply buttons when it has at
// most 3 options with titles up to 20 characters, as an interactive list when at most 10 options
// with titles up to 24, otherwise as numbered text; a skippable question with a "Pular" button.
// The stored message always carries the numbered text too, so agents (and the API) read the same
// options the customer saw; the Graph `interactive` object goes in `extra.interactive` for the sender.
import type { Outbound } from '../desk/outbound'

export const BUTTONS_MAX = 3
export const BUTTON_TITLE_MAX = 20
export const LIST_ROWS_MAX = 10
export const LIST_TITLE_MAX = 24
export const LIST_DESCRIPTION_MAX = 72
export const BODY_MAX = 1024
const TEXT_MAX = 4096

export interface Choice {
  id: string
  title: string
  description?: string
}

const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max - 1) + '…' : s)

export const numbered = (body: string, choices: Choice[]) => clip(`${body}\n\n${choices.map((c, i) => `${i + 1}. ${c.title}`).join('\n')}`, TEXT_MAX)

export type MenuForm = 'buttons' | 'list' | 'text'

/** Which form a menu takes on WhatsApp. */
export function menuForm(body: string, choices: Choice[], interactive: boolean): MenuForm {
  if (!interactive || body.length > BODY_MAX || choices.length === 0) return 'text'
  if (choices.length <= BUTTONS_MAX && choices.every((c) => c.title.length <= BUTTON_TITLE_MAX)) return 'buttons'
  if (choices.length <= LIST_ROWS_MAX && choices.every((c) => c.title.length <= LIST_TITLE_MAX)) return 'list'
  return 'text'
}

/** A menu message. `interactive` = the channel takes WhatsApp interactive messages. */
export function menuMessage(body: string, choices: Choice[], o: { interactive: boolean; listButton: string; extra: Record<string, unknown> }): Outbound {
  const text = numbered(body, choices)
  const form = menuForm(body, choices, o.interactive)
  if (form === 'buttons') {
    const interactive = { type: 'button', body: { text: body }, action: { buttons: choices.map((c) => ({ type: 'reply', reply: { id: c.id, title: c.title } })) } }
    return { author: 'bot', type: 'interactive', text, extra: { ...o.extra, interactive } }
  }
  if (form === 'list') {
    const rows = choices.map((c) => (c.description ? { id: c.id, title: c.title, description: clip(c.description, LIST_DESCRIPTION_MAX) } : { id: c.id, title: c.title }))
    const interactive = { type: 'list', body: { text: body }, action: { button: clip(o.listButton || 'Opções', BUTTON_TITLE_MAX), sections: [{ rows }] } }
    return { author: 'bot', type: 'interactive', text, extra: { ...o.extra, interactive } }
  }
  return { author: 'bot', type: 'text', text, extra: o.extra }
}

/** A question; with a skip button when it may be skipped and the channel takes buttons. */
export function questionMessage(body: string, skip: Choice | null, o: { interactive: boolean; extra: Record<string, unknown> }): Outbound {
  if (skip && o.interactive && body.length <= BODY_MAX) {
    const interactive = { type: 'button', body: { text: body }, action: { buttons: [{ type: 'reply', reply: { id: skip.id, title: clip(skip.title, BUTTON_TITLE_MAX) } }] } }
    return { author: 'bot', type: 'interactive', text: body, extra: { ...o.extra, interactive } }
  }
  return { author: 'bot', type: 'text', text: clip(body, TEXT_MAX), extra: o.extra }
}
