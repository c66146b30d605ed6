// The template editor's form ↔ Meta's components: the admin page posts plain fields (header,
// body, one example per line, footer, button rows); they become the same `components` the API
// takes, so one validation serves both. Problems on components are mapped back to form fields.
import type { FieldProblem } from '../http/errors'
import type { Form } from '../http/pages'
import type { MessageKey } from '../i18n'
import { LIMITS, partsOf, variablesOf } from './validation'

export interface ButtonRow {
  type: '' | 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER'
  text: string
  /** URL or phone number */
  value: string
  /** example URL when the URL ends with {{1}} */
  example: string
}

export interface TemplateFormValues {
  channel_id: number | null
  name: string
  language: string
  category: string
  header_format: '' | 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT'
  header_text: string
  header_example: string
  body: string
  /** one example per line, for {{1}}, {{2}}, … */
  body_examples: string
  footer: string
  buttons: ButtonRow[]
  reply_sector_id: number | null
}

export const emptyValues = (channelId: number | null): TemplateFormValues => ({
  channel_id: channelId,
  name: '',
  language: 'pt_BR',
  category: 'UTILITY',
  header_format: '',
  header_text: '',
  header_example: '',
  body: '',
  body_examples: '',
  footer: '',
  buttons: [],
  reply_sector_id: null,
})

const int = (raw: string): number | null => (/^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : null)
const BUTTON_TYPES = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER'] as const

export function valuesFromForm(form: Form): TemplateFormValues {
  const format = form.get('header_format').toUpperCase()
  const buttons: ButtonRow[] = []
  for (let i = 0; i < LIMITS.buttons; i++) {
    const type = form.get(`button_type_${i}`).toUpperCase()
    const row: ButtonRow = {
      type: (BUTTON_TYPES as readonly string[]).includes(type) ? (type as ButtonRow['type']) : '',
      text: form.get(`button_text_${i}`),
      value: form.get(`button_value_${i}`),
      example: form.get(`button_example_${i}`),
    }
    if (row.type || row.text.trim() || row.value.trim()) buttons.push(row)
  }
  return {
    channel_id: int(form.get('channel_id')),
    name: form.get('name').trim(),
    language: form.get('language').trim(),
    category: form.get('category').trim().toUpperCase(),
    header_format: (['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT'] as const).find((f) => f === format) ?? '',
    header_text: form.get('header_text'),
    header_example: form.get('header_example'),
    body: form.get('body').replace(/\r\n/g, '\n'),
    body_examples: form.get('body_examples').replace(/\r\n/g, '\n'),
    footer: form.get('footer'),
    buttons,
    reply_sector_id: int(form.get('reply_sector_id')),
  }
}

const examplesOf = (v: TemplateFormValues) => v.body_examples.split('\n').map((s) => s.trim()).filter((s) => s !== '')

/** The components the form describes (not validated), and where each form part landed. */
export function componentsFromValues(v: TemplateFormValues): { components: Record<string, unknown>[]; index: { header: number; body: number; footer: number; buttons: number }; buttonRows: number[] } {
  const components: Record<string, unknown>[] = []
  const index = { header: -1, body: -1, footer: -1, buttons: -1 }
  if (v.header_format) {
    index.header = components.length
    if (v.header_format === 'TEXT') {
      const header: Record<string, unknown> = { type: 'HEADER', format: 'TEXT', text: v.header_text.trim() }
      if (variablesOf(v.header_text).length) header.example = { header_text: [v.header_example.trim()] }
      components.push(header)
    } else components.push({ type: 'HEADER', format: v.header_format })
  }
  index.body = components.length
  const body: Record<string, unknown> = { type: 'BODY', text: v.body.trim() }
  if (variablesOf(v.body).length) body.example = { body_text: [examplesOf(v)] }
  components.push(body)
  if (v.footer.trim()) {
    index.footer = components.length
    components.push({ type: 'FOOTER', text: v.footer.trim() })
  }
  const rows = v.buttons.map((b, i) => ({ b, i })).filter(({ b }) => b.type || b.text.trim())
  if (rows.length) {
    index.buttons = components.length
    components.push({
      type: 'BUTTONS',
      buttons: rows.map(({ b }) => {
        const button: Record<string, unknown> = { type: b.type || 'QUICK_REPLY', text: b.text.trim() }
        if (b.type === 'URL') {
          button.url = b.value.trim()
          if (variablesOf(b.value).length) button.example = [b.example.trim()]
        }
        if (b.type === 'PHONE_NUMBER') button.phone_number = b.value.trim()
        return button
      }),
    })
  }
  return { components, index, buttonRows: rows.map(({ i }) => i) }
}

/** The form again, from stored components (editing a template). */
export function valuesFromComponents(base: Omit<TemplateFormValues, 'header_format' | 'header_text' | 'header_example' | 'body' | 'body_examples' | 'footer' | 'buttons'>, components: unknown[]): TemplateFormValues {
  const parts = partsOf(components)
  const rec = (x: unknown) => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {})
  const comp = (type: string) => components.map(rec).find((c) => String(c.type).toUpperCase() === type) ?? {}
  const bodyExample = rec(comp('BODY').example).body_text
  const headerExample = rec(comp('HEADER').example).header_text
  const rawButtons = (comp('BUTTONS').buttons as unknown[] | undefined) ?? []
  return {
    ...base,
    header_format: parts.header ? ((['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT'] as const).find((f) => f === parts.header!.format) ?? '') : '',
    header_text: parts.header?.text ?? '',
    header_example: Array.isArray(headerExample) && typeof headerExample[0] === 'string' ? headerExample[0] : '',
    body: parts.body,
    body_examples: Array.isArray(bodyExample) && Array.isArray(bodyExample[0]) ? (bodyExample[0] as unknown[]).map(String).join('\n') : '',
    footer: parts.footer ?? '',
    buttons: parts.buttons.map((b, i) => {
      const example = rec(rawButtons[i]).example
      return {
        type: (BUTTON_TYPES as readonly string[]).includes(b.type) ? (b.type as ButtonRow['type']) : 'QUICK_REPLY',
        text: b.text,
        value: b.url ?? b.phone_number ?? '',
        example: Array.isArray(example) && typeof example[0] === 'string' ? example[0] : '',
      }
    }),
  }
}

/** Component problems (`components[2].buttons[1].url`) → the form field that shows them. */
export function formProblems(problems: FieldProblem[], layout: ReturnType<typeof componentsFromValues>): Partial<Record<string, MessageKey>> {
  const out: Partial<Record<string, MessageKey>> = {}
  const put = (field: string, key: MessageKey) => {
    if (!out[field]) out[field] = key
  }
  for (const p of problems) {
    const m = /^components\[(\d+)\](?:\.(.+))?$/.exec(p.field)
    if (!m) {
      put(p.field === 'components' ? 'body' : p.field, p.key)
      continue
    }
    const i = Number(m[1])
    const rest = m[2] ?? ''
    if (i === layout.index.header) put(rest === 'format' ? 'header_format' : rest.startsWith('example') ? 'header_example' : 'header_text', p.key)
    else if (i === layout.index.body) put(rest.startsWith('example') ? 'body_examples' : 'body', p.key)
    else if (i === layout.index.footer) put('footer', p.key)
    else if (i === layout.index.buttons) {
      const b = /^buttons\[(\d+)\]\.(\w+)/.exec(rest)
      if (!b) put('buttons', p.key)
      else {
        const row = layout.buttonRows[Number(b[1])] ?? Number(b[1])
        const field = b[2] === 'text' ? 'text' : b[2] === 'type' ? 'type' : b[2] === 'example' ? 'example' : 'value'
        put(`button_${field}_${row}`, p.key)
      }
    } else put('body', p.key)
  }
  return out
}
