// Small pieces used across pages.
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
