// Small pieces used across pages.
import type { Children } from '@kitajs/html'
import type { PresenceStatus, User } from '../src/admin/users-store'
import { CSRF_FIELD } from '../src/http/csrf'
import type { MessageKey } from '../src/i18n'
import type { Problems, View } from './view'

export const CsrfField = ({ v }: { v: View }) => <input type="hidden" name={CSRF_FIELD} value={v.csrf} />

export function Flash({ v, kind, message }: { v: View; kind: 'ok' | 'error' | 'info'; message: MessageKey | null | undefined }) {
  if (!message) return ''
  return (
    <div class={`flash ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {v.escape(message)}
    </div>
  )
}

export function FieldError({ v, problems, field }: { v: View; problems: Problems; field: string }) {
  const key = problems[field]
  if (!key) return ''
  return (
    <p class="field-error" id={`${field}-error`}>
      {v.escape(key)}
    </p>
  )
}

export function Empty({ title, hint }: { title: string; hint?: string }) {
  return (
    <div class="empty">
      <strong safe>{title}</strong>
      {hint ? <span safe>{hint}</span> : ''}
    </div>
  )
}

export const PresenceDot = ({ status }: { status: PresenceStatus }) => <span class={`dot ${status}`} aria-hidden="true"></span>

/** The presence control in the header; also the fragment the live stream swaps when presence changes. */
export function PresenceForm({ v, user }: { v: View; user: User }) {
  const options: PresenceStatus[] = ['available', 'paused', 'offline']
  return (
    <form id="presence" class="presence" hx-post="/presence" hx-target="this" hx-swap="outerMorph" aria-label={v.t('presence.change')}>
      <PresenceDot status={user.presence} />
      <label class="skip" for="presence-status">
        {v.escape('presence.label')}
      </label>
      <select id="presence-status" name="status" aria-label={v.t('presence.label')}>
        {options.map((o) => (
          <option value={o} selected={user.presence === o}>
            {v.escape(`presence.${o}`)}
          </option>
        ))}
      </select>
      <input name="reason" maxlength="120" value={user.presence_reason ?? ''} placeholder={v.t('presence.reason_placeholder')} aria-label={v.t('presence.reason')} />
      <button type="submit" class="small secondary">
        OK
      </button>
    </form>
  )
}

/** A column title: its message key ('' for none), or the key with the classes of its cells (e.g. "optional"). */
export type Column = MessageKey | '' | { key: MessageKey; class: string }

/** A table's header row: translated column titles. */
export function HeadRow({ v, cols }: { v: View; cols: Column[] }) {
  return (
    <tr>
      {cols.map((c) => (typeof c === 'object' ? <th class={c.class}>{v.escape(c.key)}</th> : <th>{c ? v.escape(c) : ''}</th>))}
    </tr>
  )
}

/**
 * A list as a table: the header row and one row per item — or the empty state when there is none
 * and `empty` is given. `wrap` puts it in the scrolling frame (.table-wrap) of wide tables (a
 * string: with these classes too).
 */
export function DataTable<T>(p: {
  v: View
  id?: string
  class?: string
  head: Column[]
  rows: T[]
  row: (r: T, i: number) => JSX.Element
  /** the empty state; `box`: the classes of a frame around it (e.g. "card") */
  empty?: { title: string; hint?: string; box?: string }
  wrap?: boolean | string
}) {
  if (p.rows.length === 0 && p.empty) {
    const empty = <Empty title={p.empty.title} hint={p.empty.hint} />
    return p.empty.box ? <div class={p.empty.box}>{empty}</div> : empty
  }
  const table = (
    <table id={p.id} class={p.class}>
      <thead>
        <HeadRow v={p.v} cols={p.head} />
      </thead>
      <tbody>{p.rows.map(p.row)}</tbody>
    </table>
  )
  if (!p.wrap) return table
  return <div class={typeof p.wrap === 'string' ? `table-wrap ${p.wrap}` : 'table-wrap'}>{table}</div>
}

/** A labelled filter select: "all" (empty value) first, then the options by id, the current one selected. */
export function FilterSelect({ v, id, name, label, all, options, value }: { v: View; id: string; name: string; label: MessageKey; all: MessageKey; options: { id: number; name: string }[]; value: string }) {
  return (
    <div>
      <label for={id}>{v.escape(label)}</label>
      <select id={id} name={name}>
        <option value="">{v.escape(all)}</option>
        {options.map((o) => (
          <option value={String(o.id)} selected={value === String(o.id)} safe>
            {o.name}
          </option>
        ))}
      </select>
    </div>
  )
}

/** A card with its heading and, optionally, a hint under it, then its content. */
export function Card({ v, title, hint, class: cls = 'card', children }: { v: View; title: MessageKey; hint?: MessageKey; class?: string; children?: Children }) {
  return (
    <div class={cls}>
      <h2>{v.escape(title)}</h2>
      {hint ? <p class="hint">{v.escape(hint)}</p> : ''}
      {children}
    </div>
  )
}

/**
 * A form that is one button: posts (with the CSRF field) to `action`. `class` goes on the form
 * (e.g. "inline-form"), `button` on the button; `confirm` is the question public/app.js asks first.
 */
export function PostButton({ v, action, label, class: cls, button, confirm }: { v: View; action: string; label: MessageKey; class?: string; button?: string; confirm?: string }) {
  return (
    <form method="post" action={action} class={cls} data-confirm={confirm}>
      <CsrfField v={v} />
      <button type="submit" class={button}>
        {v.escape(label)}
      </button>
    </form>
  )
}

/** The note over a form that came back with problems ('' when there are none). */
export function FixErrors({ v, problems }: { v: View; problems: Problems }) {
  if (!Object.keys(problems).length) return ''
  return (
    <div class="flash error" role="alert">
      {v.escape('form.fix_errors')}
    </div>
  )
}

/** A settings form's save button, for those who may edit ('' for the others). */
export function SaveActions({ v, show }: { v: View; show: boolean }) {
  if (!show) return ''
  return (
    <div class="actions">
      <button type="submit">{v.escape('form.save')}</button>
    </div>
  )
}
