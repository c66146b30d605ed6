// A template as the customer will see it on WhatsApp: header, body with its formatting (*bold*,
// _italic_, ~strike~, ```mono```), footer and buttons — rendered on the server (the live preview
// of the editor and of the send forms is this fragment, fetched again while the user types).
// Every piece of text is escaped; formatting is made of elements, never of raw HTML.
import type { TemplateParts } from '../../src/templates/validation'
import { charCount, LIMITS, variablesOf } from '../../src/templates/validation'
import type { View } from '../view'

type Segment = { kind: 'text' | 'bold' | 'italic' | 'strike' | 'mono'; text: string }

const TOKEN = /(```[^`]+```|\*[^*\n]+\*|_[^_\n]+_|~[^~\n]+~)/g

/** Splits WhatsApp-formatted text into plain, bold, italic, strike-through and monospace pieces. */
export function segments(text: string): Segment[] {
  const out: Segment[] = []
  let last = 0
  for (const m of text.matchAll(TOKEN)) {
    if (m.index! > last) out.push({ kind: 'text', text: text.slice(last, m.index) })
    const tok = m[0]
    if (tok.startsWith('```')) out.push({ kind: 'mono', text: tok.slice(3, -3) })
    else if (tok.startsWith('*')) out.push({ kind: 'bold', text: tok.slice(1, -1) })
    else if (tok.startsWith('_')) out.push({ kind: 'italic', text: tok.slice(1, -1) })
    else out.push({ kind: 'strike', text: tok.slice(1, -1) })
    last = m.index! + tok.length
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) })
  return out
}

const VAR = /(\{\{\s*[^{}]*?\s*\}\})/g

/** Plain text with its variables shown as their value (marked), or as `{{n}}` when none is given. */
function WithVariables({ text, vars, values }: { text: string; vars: string[]; values: (string | null | undefined)[] }) {
  return (
    <>
      {text.split(VAR).map((piece, i) => {
        if (i % 2 === 0) return piece ? <span safe>{piece}</span> : ''
        const value = values[vars.indexOf(piece.slice(2, -2).trim())]
        return value ? (
          <mark class="tpl-var" safe>
            {value}
          </mark>
        ) : (
          <mark class="tpl-var empty" safe>
            {piece}
          </mark>
        )
      })}
    </>
  )
}

/** Text with WhatsApp formatting; variables show their value (marked) or stay `{{n}}` when none is given. */
export function Formatted({ text, values }: { text: string; values: (string | null | undefined)[] }) {
  const vars = variablesOf(text)
  return (
    <>
      {segments(text).map((s) => {
        const inner = <WithVariables text={s.text} vars={vars} values={values} />
        switch (s.kind) {
          case 'bold':
            return <strong>{inner}</strong>
          case 'italic':
            return <em>{inner}</em>
          case 'strike':
            return <s>{inner}</s>
          case 'mono':
            return <code>{inner}</code>
          default:
            return inner
        }
      })}
    </>
  )
}

const MEDIA_LABEL = { IMAGE: 'templates.header_image', VIDEO: 'templates.header_video', DOCUMENT: 'templates.header_document', LOCATION: 'templates.header_location' } as const

export interface PreviewValues {
  header: (string | null)[]
  body: (string | null)[]
}

/** The bubble. `values` fill the variables (examples in the editor, parameters when sending). */
export function TemplateBubble({ v, parts, values }: { v: View; parts: TemplateParts; values: PreviewValues }) {
  const media = parts.header && parts.header.format !== 'TEXT' ? MEDIA_LABEL[parts.header.format as keyof typeof MEDIA_LABEL] : undefined
  return (
    <div class="msg msg-out tpl-bubble" hx-ignore>
      {parts.header?.format === 'TEXT' && parts.header.text ? (
        <p class="tag-line">
          <Formatted text={parts.header.text} values={values.header} />
        </p>
      ) : media ? (
        <p class="tpl-media">{v.escape(media)}</p>
      ) : (
        ''
      )}
      <p class="msg-text">{parts.body ? <Formatted text={parts.body} values={values.body} /> : <span class="muted">{v.escape('templates.preview_empty_body')}</span>}</p>
      {parts.footer ? (
        <p class="msg-foot tpl-footer" safe>
          {parts.footer}
        </p>
      ) : (
        ''
      )}
      {parts.buttons.length ? (
        <ul class="tpl-buttons">
          {parts.buttons.map((b) => (
            <li>
              {b.type === 'URL' ? '↗ ' : b.type === 'PHONE_NUMBER' ? '☎ ' : '↩ '}
              <span safe>{b.text || '…'}</span>
            </li>
          ))}
        </ul>
      ) : (
        ''
      )}
    </div>
  )
}

/** Character counts against Meta's limits, under the bubble. */
export function Counters({ v, parts }: { v: View; parts: TemplateParts }) {
  const count = (label: 'templates.header' | 'templates.body' | 'templates.footer', text: string | null, max: number) => {
    const n = text ? charCount(text) : 0
    return (
      <li class={n > max ? 'field-error' : undefined}>
        {v.escape(label)}: {n}/{max}
      </li>
    )
  }
  return (
    <ul class="tpl-counters hint">
      {parts.header?.format === 'TEXT' ? count('templates.header', parts.header.text, LIMITS.header) : ''}
      {count('templates.body', parts.body, LIMITS.body)}
      {parts.footer !== null ? count('templates.footer', parts.footer, LIMITS.footer) : ''}
    </ul>
  )
}
