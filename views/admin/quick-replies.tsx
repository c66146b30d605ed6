// Tags rápidas: the list (personal, sector and global ones the user sees), the form with a live
// preview of the variable expansion. Shortcuts and texts are hostile: `safe` and hx-ignore.
import type { Sector } from '../../src/admin/sectors-store'
import { expandQuickReply, unknownVariables } from '../../src/desk/quick-replies'
import { scopeOf, type QuickReply } from '../../src/desk/quick-replies-store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

/** The sample protocol number the preview uses. */
export const SAMPLE_PROTOCOL = '20261125000123'

const PREVIEW_LIMIT = 240
const short = (text: string) => (text.length > PREVIEW_LIMIT ? `${text.slice(0, PREVIEW_LIMIT)}…` : text)

function scopeLabel(v: View, q: QuickReply, sectorName: Map<number, string>): string {
  switch (scopeOf(q)) {
    case 'personal':
      return v.t('quick_replies.personal')
    case 'sector':
      return `${v.t('quick_replies.sector')}: ${sectorName.get(q.sector_id!) ?? `#${q.sector_id}`}`
    default:
      return v.t('quick_replies.global')
  }
}

export function QuickRepliesPage({
  v,
  replies,
  sectors,
  canChange,
  flash,
}: {
  v: View
  replies: QuickReply[]
  sectors: Sector[]
  canChange: (q: QuickReply) => boolean
  flash?: MessageKey | null
}) {
  const sectorName = new Map(sectors.map((s) => [s.id, s.name]))
  return (
    <Layout v={v} title={v.t('quick_replies.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <div class="row spread">
        <h1>{v.escape('quick_replies.title')}</h1>
        <a class="button" href="/admin/quick-replies/new">
          {v.escape('quick_replies.new')}
        </a>
      </div>
      <p class="muted">{v.escape('quick_replies.intro')}</p>
      <p class="muted">{v.escape('quick_replies.variables')}</p>
      {v.can('quick_replies.manage') ? '' : <p class="muted">{v.escape('quick_replies.personal_only')}</p>}
      {replies.length === 0 ? (
        <div class="card">
          <Empty title={v.t('quick_replies.empty')} hint={v.t('quick_replies.empty_hint')} />
        </div>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{v.escape('quick_replies.shortcut')}</th>
                <th>{v.escape('quick_replies.text')}</th>
                <th>{v.escape('quick_replies.scope_col')}</th>
                <th>{v.escape('list.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {replies.map((q) => (
                <tr>
                  <td class="protocol" hx-ignore safe>
                    {`/${q.shortcut}`}
                  </td>
                  <td hx-ignore>
                    <p class="msg-text" safe>
                      {short(q.text)}
                    </p>
                  </td>
                  <td safe>{scopeLabel(v, q, sectorName)}</td>
                  <td>
                    {canChange(q) ? (
                      <div class="row">
                        <a href={`/admin/quick-replies/${q.id}`}>{v.escape('quick_replies.edit_link')}</a>
                        <form method="post" action={`/admin/quick-replies/${q.id}/delete`} data-confirm={v.t('quick_replies.delete_confirm')}>
                          <CsrfField v={v} />
                          <button type="submit" class="small secondary">
                            {v.escape('quick_replies.delete')}
                          </button>
                        </form>
                      </div>
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  )
}

export interface QuickReplyFormValues {
  shortcut: string
  text: string
  scope: string
  /** '' = none chosen */
  sector_id: string
}

export function QuickReplyFormPage({ v, reply, values, problems, sectors }: { v: View; reply: QuickReply | null; values: QuickReplyFormValues; problems: Problems; sectors: Sector[] }) {
  const title = reply ? v.t('quick_replies.edit') : v.t('quick_replies.new')
  const manage = v.can('quick_replies.manage')
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  return (
    <Layout v={v} title={title}>
      <p>
        <a href="/admin/quick-replies">← {v.escape('quick_replies.title')}</a>
      </p>
      <div class="card">
        <h1 safe>{reply ? `/${reply.shortcut}` : title}</h1>
        {Object.keys(problems).length ? (
          <div class="flash error" role="alert">
            {v.escape('form.fix_errors')}
          </div>
        ) : (
          ''
        )}
        <form method="post" action={reply ? `/admin/quick-replies/${reply.id}` : '/admin/quick-replies'} novalidate>
          <CsrfField v={v} />
          <label for="shortcut">{v.escape('quick_replies.shortcut')}</label>
          <input
            id="shortcut"
            name="shortcut"
            type="text"
            required
            maxlength="31"
            pattern="/?[a-z0-9_\-]{1,30}"
            autocomplete="off"
            spellcheck="false"
            class="protocol"
            value={values.shortcut}
            aria-invalid={invalid('shortcut')}
            aria-describedby="shortcut-hint"
          />
          <p class="hint" id="shortcut-hint">
            {v.escape('quick_replies.shortcut_hint')}
          </p>
          <FieldError v={v} problems={problems} field="shortcut" />

          {manage ? (
            <fieldset>
              <legend>{v.escape('quick_replies.scope')}</legend>
              <label class="inline">
                <input type="radio" name="scope" value="personal" checked={values.scope === 'personal'} /> {v.escape('quick_replies.scope_personal')}
              </label>
              <label class="inline">
                <input type="radio" name="scope" value="sector" checked={values.scope === 'sector'} /> {v.escape('quick_replies.scope_sector')}
              </label>
              <label class="inline">
                <input type="radio" name="scope" value="global" checked={values.scope === 'global'} /> {v.escape('quick_replies.scope_global')}
              </label>
              <FieldError v={v} problems={problems} field="scope" />
              <label for="sector_id">{v.escape('quick_replies.sector')}</label>
              <select id="sector_id" name="sector_id" aria-invalid={invalid('sector_id')}>
                <option value="">{v.escape('quick_replies.sector_choose')}</option>
                {sectors.map((s) => (
                  <option value={String(s.id)} selected={values.sector_id === String(s.id)} safe>
                    {s.name}
                  </option>
                ))}
              </select>
              <FieldError v={v} problems={problems} field="sector_id" />
            </fieldset>
          ) : (
            <>
              <input type="hidden" name="scope" value="personal" />
              <p class="hint">{v.escape('quick_replies.personal_only')}</p>
            </>
          )}

          <label for="text">{v.escape('quick_replies.text')}</label>
          <textarea
            id="text"
            name="text"
            rows="6"
            maxlength="4096"
            required
            aria-invalid={invalid('text')}
            aria-describedby="text-hint"
            hx-post="/admin/quick-replies/preview"
            hx-trigger="input changed delay:400ms"
            hx-target="#qr-preview"
            hx-swap="outerHTML"
            safe
          >
            {values.text}
          </textarea>
          <p class="hint" id="text-hint">
            {v.escape('quick_replies.text_hint')} {v.escape('quick_replies.variables')}
          </p>
          <FieldError v={v} problems={problems} field="text" />

          <QuickReplyPreview v={v} text={values.text} />

          <div class="actions">
            <button type="submit">{v.escape('form.save')}</button>
            <a class="button secondary" href="/admin/quick-replies">
              {v.escape('form.cancel')}
            </a>
          </div>
        </form>
      </div>
    </Layout>
  )
}

/** The text as a customer would get it, with sample values; also the fragment the textarea refreshes. */
export function QuickReplyPreview({ v, text }: { v: View; text: string }) {
  const sample = { cliente: v.t('quick_replies.sample_customer'), protocolo: SAMPLE_PROTOCOL, atendente: v.user?.name ?? '' }
  const unknown = unknownVariables(text)
  return (
    <section id="qr-preview" class="card spaced" aria-live="polite">
      <h2>{v.escape('quick_replies.preview')}</h2>
      <p class="hint">{v.escape('quick_replies.preview_hint', sample)}</p>
      {text.trim() ? (
        <div class="msg msg-out" hx-ignore>
          <p class="msg-text" safe>
            {expandQuickReply(text.trim(), sample)}
          </p>
        </div>
      ) : (
        <p class="muted">{v.escape('quick_replies.preview_empty')}</p>
      )}
      {unknown.length ? <p class="hint">{v.escape('quick_replies.preview_unknown', { names: unknown.join(', ') })}</p> : ''}
    </section>
  )
}
