// Templates (modelos HSM) admin: the list per channel with "Sincronizar", the editor with its live
// WhatsApp-style preview, and one template's page (status and Meta's reason in plain words, reply
// sector, edit, delete).
import type { Sector } from '../../src/admin/sectors-store'
import type { Channel } from '../../src/channels/store'
import type { MessageKey } from '../../src/i18n'
import type { TemplateFormValues } from '../../src/templates/form'
import type { Template } from '../../src/templates/store'
import { EDITABLE_STATUSES, LIMITS, partsOf, variablesOf, type TemplateParts } from '../../src/templates/validation'
import { CsrfField, Empty, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'
import { Counters, TemplateBubble } from './preview'

const STATUS_KEYS: Record<string, MessageKey> = {
  APPROVED: 'templates.status_approved',
  PENDING: 'templates.status_pending',
  REJECTED: 'templates.status_rejected',
  PAUSED: 'templates.status_paused',
  DISABLED: 'templates.status_disabled',
  FLAGGED: 'templates.status_flagged',
  IN_APPEAL: 'templates.status_in_appeal',
  PENDING_DELETION: 'templates.status_pending_deletion',
  DELETED: 'templates.status_deleted',
  ARCHIVED: 'templates.status_archived',
  LIMIT_EXCEEDED: 'templates.status_limit_exceeded',
  LOCKED: 'templates.status_locked',
}

export function TemplateStatus({ v, status }: { v: View; status: string }) {
  const key = STATUS_KEYS[status]
  const cls = status === 'APPROVED' ? 'badge ok' : status === 'PENDING' || status === 'IN_APPEAL' ? 'badge' : 'badge off'
  return key ? <span class={cls}>{v.escape(key)}</span> : <span class={cls} safe>{status}</span>
}

const REASON_KEYS: Record<string, MessageKey> = {
  ABUSIVE_CONTENT: 'templates.reason_abusive_content',
  INCORRECT_CATEGORY: 'templates.reason_incorrect_category',
  INVALID_FORMAT: 'templates.reason_invalid_format',
  SCAM: 'templates.reason_scam',
  TAG_CONTENT_MISMATCH: 'templates.reason_tag_content_mismatch',
  PROMOTIONAL: 'templates.reason_promotional',
}

/** Meta's reason code in plain words, Meta's own text kept after it. */
export function reasonText(v: View, reason: string): string {
  const [code, ...rest] = reason.split(' — ')
  const known = REASON_KEYS[code]
  return known ? [v.t(known), ...rest].join(' — ') : reason
}

const CATEGORY_KEYS: Record<string, MessageKey> = { MARKETING: 'templates.category_marketing', UTILITY: 'templates.category_utility', AUTHENTICATION: 'templates.category_authentication' }
export const categoryLabel = (v: View, c: string) => (CATEGORY_KEYS[c] ? v.t(CATEGORY_KEYS[c]) : c)

// ---- list -------------------------------------------------------------------------------------------

export function TemplatesPage({
  v,
  channels,
  channel,
  templates,
  sectors,
  flash,
  error,
}: {
  v: View
  channels: Channel[]
  channel: Channel | null
  templates: Template[]
  sectors: Map<number, Sector>
  flash?: MessageKey | null
  error?: string | null
}) {
  return (
    <Layout v={v} title={v.t('templates.title')}>
      <Flash v={v} kind="ok" message={flash} />
      {error ? (
        <div class="flash error" role="alert" safe>
          {error}
        </div>
      ) : (
        ''
      )}
      <div class="row spread">
        <h1>{v.escape('templates.title')}</h1>
        {channel ? (
          <div class="row">
            <form method="post" action="/admin/templates/sync" class="row">
              <CsrfField v={v} />
              <input type="hidden" name="channel_id" value={String(channel.id)} />
              <button type="submit" class="secondary">
                {v.escape('templates.sync')}
              </button>
            </form>
            <a class="button" href={`/admin/templates/new?channel_id=${channel.id}`}>
              {v.escape('templates.new')}
            </a>
          </div>
        ) : (
          ''
        )}
      </div>
      <p class="muted">{v.escape('templates.intro')}</p>
      {channels.length === 0 ? (
        <div class="card">
          <Empty title={v.t('templates.no_channels')} hint={v.t('templates.no_channels_hint')} />
        </div>
      ) : (
        <>
          {channels.length > 1 ? (
            <nav class="tabs" aria-label={v.t('templates.channel')}>
              {channels.map((c) => (
                <a class="tab" href={`/admin/templates?channel_id=${c.id}`} aria-current={channel?.id === c.id ? 'page' : undefined} safe>
                  {c.name}
                </a>
              ))}
            </nav>
          ) : (
            ''
          )}
          {templates.length === 0 ? (
            <div class="card">
              <Empty title={v.t('templates.empty')} hint={v.t('templates.empty_hint')} />
            </div>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>{v.escape('templates.name')}</th>
                    <th>{v.escape('templates.language')}</th>
                    <th class="optional">{v.escape('templates.category')}</th>
                    <th>{v.escape('templates.status')}</th>
                    <th class="optional">{v.escape('templates.reply_sector')}</th>
                  </tr>
                </thead>
                <tbody>
                  {templates.map((tpl) => (
                    <tr>
                      <td>
                        <a href={`/admin/templates/${tpl.id}`} safe>
                          {tpl.name}
                        </a>
                      </td>
                      <td safe>{tpl.language}</td>
                      <td class="optional" safe>
                        {categoryLabel(v, tpl.category)}
                      </td>
                      <td>
                        <TemplateStatus v={v} status={tpl.status} />
                        {tpl.rejected_reason && tpl.status !== 'APPROVED' ? (
                          <span class="hint" safe>
                            {' ' + reasonText(v, tpl.rejected_reason)}
                          </span>
                        ) : (
                          ''
                        )}
                      </td>
                      <td class="optional" safe>
                        {tpl.reply_sector_id ? (sectors.get(tpl.reply_sector_id)?.name ?? '—') : v.t('templates.reply_sector_channel')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Layout>
  )
}

// ---- editor -----------------------------------------------------------------------------------------

/** The live preview fragment (what the editor's preview area shows and refreshes). */
export function EditorPreview({ v, parts, values, problems }: { v: View; parts: TemplateParts; values: TemplateFormValues; problems: Problems }) {
  const examples = values.body_examples.split('\n').map((s) => s.trim()).filter((s) => s !== '')
  const keys = [...new Set(Object.values(problems))].filter((k): k is MessageKey => Boolean(k))
  return (
    <>
      <TemplateBubble v={v} parts={parts} values={{ header: [values.header_example.trim() || null], body: examples }} />
      <Counters v={v} parts={parts} />
      {keys.length ? (
        <ul class="tpl-problems hint">
          {keys.map((k) => (
            <li class="field-error">{v.escape(k)}</li>
          ))}
        </ul>
      ) : (
        ''
      )}
    </>
  )
}

function Input({ v, id, label, value, problems, hint, max, required }: { v: View; id: string; label: MessageKey; value: string; problems: Problems; hint?: MessageKey; max?: number; required?: boolean }) {
  return (
    <>
      <label for={id}>{v.escape(label)}</label>
      <input
        id={id}
        name={id}
        type="text"
        value={value}
        maxlength={max ? String(max * 2) : undefined}
        required={required}
        aria-invalid={problems[id] ? 'true' : undefined}
        aria-describedby={[hint ? `${id}-hint` : '', problems[id] ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
      />
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {v.escape(hint)}
        </p>
      ) : (
        ''
      )}
      <FieldError v={v} problems={problems} field={id} />
    </>
  )
}

function ButtonRows({ v, values, problems, rows }: { v: View; values: TemplateFormValues; problems: Problems; rows: number }) {
  const list = Array.from({ length: rows }, (_, i) => values.buttons[i] ?? { type: '', text: '', value: '', example: '' })
  return (
    <fieldset>
      <legend>{v.escape('templates.buttons')}</legend>
      <p class="hint">{v.escape('templates.buttons_hint')}</p>
      <FieldError v={v} problems={problems} field="buttons" />
      {list.map((b, i) => (
        <div class="tpl-button-row">
          <label for={`button_type_${i}`}>{v.escape('templates.button_n', { n: i + 1 })}</label>
          <select id={`button_type_${i}`} name={`button_type_${i}`} aria-invalid={problems[`button_type_${i}`] ? 'true' : undefined}>
            <option value="">{v.escape('templates.button_none')}</option>
            <option value="QUICK_REPLY" selected={b.type === 'QUICK_REPLY'}>
              {v.escape('templates.button_quick_reply')}
            </option>
            <option value="URL" selected={b.type === 'URL'}>
              {v.escape('templates.button_url')}
            </option>
            <option value="PHONE_NUMBER" selected={b.type === 'PHONE_NUMBER'}>
              {v.escape('templates.button_phone')}
            </option>
          </select>
          <input name={`button_text_${i}`} type="text" value={b.text} maxlength="50" placeholder={v.t('templates.button_text')} aria-label={v.t('templates.button_text')} aria-invalid={problems[`button_text_${i}`] ? 'true' : undefined} />
          <input name={`button_value_${i}`} type="text" value={b.value} maxlength="2000" placeholder={v.t('templates.button_value')} aria-label={v.t('templates.button_value')} aria-invalid={problems[`button_value_${i}`] ? 'true' : undefined} />
          <input name={`button_example_${i}`} type="text" value={b.example} maxlength="2000" placeholder={v.t('templates.button_example')} aria-label={v.t('templates.button_example')} aria-invalid={problems[`button_example_${i}`] ? 'true' : undefined} />
          {(['type', 'text', 'value', 'example'] as const).map((f) => (
            <FieldError v={v} problems={problems} field={`button_${f}_${i}`} />
          ))}
        </div>
      ))}
      {rows < LIMITS.buttons ? (
        <button type="submit" name="more_buttons" value="1" class="small secondary" formnovalidate>
          {v.escape('templates.button_add')}
        </button>
      ) : (
        ''
      )}
    </fieldset>
  )
}

export interface EditorProps {
  v: View
  /** null: a new template */
  template: Template | null
  channel: Channel
  values: TemplateFormValues
  problems: Problems
  sectors: Sector[]
  parts: TemplateParts
  error?: string | null
  rows: number
}

/** The form of a new template (all fields) or of an edit (components and category; name and language are fixed). */
export function TemplateEditor({ v, template, channel, values, problems, sectors, parts, rows }: Omit<EditorProps, 'error'>) {
  const action = template ? `/admin/templates/${template.id}` : '/admin/templates'
  const invalid = (f: string) => (problems[f] ? 'true' : undefined)
  const vars = variablesOf(values.body).length
  return (
    <form method="post" action={action} class="tpl-editor" novalidate>
      <CsrfField v={v} />
      <input type="hidden" name="channel_id" value={String(channel.id)} />
      <div class="tpl-editor-fields">
        {template ? (
          <p>
            <strong safe>{template.name}</strong> · <span safe>{template.language}</span>
          </p>
        ) : (
          <>
            <Input v={v} id="name" label="templates.name" value={values.name} problems={problems} hint="templates.name_hint" max={512} required />
            <Input v={v} id="language" label="templates.language" value={values.language} problems={problems} hint="templates.language_hint" max={15} required />
          </>
        )}
        <label for="category">{v.escape('templates.category')}</label>
        <select id="category" name="category" aria-invalid={invalid('category')} aria-describedby="category-hint">
          {(['UTILITY', 'MARKETING', 'AUTHENTICATION'] as const).map((c) => (
            <option value={c} selected={values.category === c} safe>
              {categoryLabel(v, c)}
            </option>
          ))}
        </select>
        <p class="hint" id="category-hint">
          {v.escape('templates.category_hint')}
        </p>
        <FieldError v={v} problems={problems} field="category" />

        <fieldset>
          <legend>{v.escape('templates.header')}</legend>
          <label for="header_format">{v.escape('templates.header_format')}</label>
          <select id="header_format" name="header_format" aria-invalid={invalid('header_format')}>
            <option value="">{v.escape('templates.header_none')}</option>
            <option value="TEXT" selected={values.header_format === 'TEXT'}>
              {v.escape('templates.header_text_option')}
            </option>
            <option value="IMAGE" selected={values.header_format === 'IMAGE'}>
              {v.escape('templates.header_image')}
            </option>
            <option value="VIDEO" selected={values.header_format === 'VIDEO'}>
              {v.escape('templates.header_video')}
            </option>
            <option value="DOCUMENT" selected={values.header_format === 'DOCUMENT'}>
              {v.escape('templates.header_document')}
            </option>
          </select>
          <FieldError v={v} problems={problems} field="header_format" />
          <Input v={v} id="header_text" label="templates.header_text" value={values.header_text} problems={problems} hint="templates.header_text_hint" max={LIMITS.header} />
          <Input v={v} id="header_example" label="templates.header_example" value={values.header_example} problems={problems} />
        </fieldset>

        <label for="body">{v.escape('templates.body')}</label>
        <textarea id="body" name="body" rows="6" required aria-invalid={invalid('body')} aria-describedby="body-hint" safe>
          {values.body}
        </textarea>
        <p class="hint" id="body-hint">
          {v.escape('templates.body_hint')}
        </p>
        <FieldError v={v} problems={problems} field="body" />

        <label for="body_examples">{v.escape('templates.body_examples')}</label>
        <textarea id="body_examples" name="body_examples" rows={String(Math.max(2, Math.min(vars, 10)))} aria-invalid={invalid('body_examples')} aria-describedby="body_examples-hint" safe>
          {values.body_examples}
        </textarea>
        <p class="hint" id="body_examples-hint">
          {v.escape('templates.body_examples_hint')}
        </p>
        <FieldError v={v} problems={problems} field="body_examples" />

        <Input v={v} id="footer" label="templates.footer" value={values.footer} problems={problems} hint="templates.footer_hint" max={LIMITS.footer} />
        <ButtonRows v={v} values={values} problems={problems} rows={rows} />

        {template ? (
          ''
        ) : (
          <>
            <label for="reply_sector_id">{v.escape('templates.reply_sector')}</label>
            <select id="reply_sector_id" name="reply_sector_id" aria-describedby="reply_sector_id-hint" aria-invalid={invalid('reply_sector_id')}>
              <option value="">{v.escape('templates.reply_sector_channel')}</option>
              {sectors.map((s) => (
                <option value={String(s.id)} selected={values.reply_sector_id === s.id} safe>
                  {s.name}
                </option>
              ))}
            </select>
            <p class="hint" id="reply_sector_id-hint">
              {v.escape('templates.reply_sector_hint')}
            </p>
            <FieldError v={v} problems={problems} field="reply_sector_id" />
          </>
        )}
        <div class="actions">
          <button type="submit">{v.escape(template ? 'templates.resubmit' : 'templates.submit')}</button>
          <a class="button secondary" href={template ? `/admin/templates/${template.id}` : `/admin/templates?channel_id=${channel.id}`}>
            {v.escape('form.cancel')}
          </a>
        </div>
        <p class="hint">{v.escape(template ? 'templates.resubmit_hint' : 'templates.submit_hint')}</p>
      </div>
      <aside class="tpl-preview-pane" aria-label={v.t('templates.preview')}>
        <h2>{v.escape('templates.preview')}</h2>
        <div id="tpl-preview" aria-live="polite" hx-post="/admin/templates/preview" hx-trigger="input delay:400ms from:closest form" hx-swap="innerHTML">
          <EditorPreview v={v} parts={parts} values={values} problems={problems} />
        </div>
      </aside>
    </form>
  )
}

export function NewTemplatePage(p: EditorProps) {
  const { v, channel } = p
  const title = v.t('templates.new_title', { channel: channel.name })
  return (
    <Layout v={v} title={title}>
      <p class="crumbs">
        <a href={`/admin/templates?channel_id=${channel.id}`}>← {v.escape('templates.back')}</a>
      </p>
      <div class="card">
        <h1 safe>{title}</h1>
        <FormProblems v={v} problems={p.problems} error={p.error ?? null} />
        <TemplateEditor {...p} />
      </div>
    </Layout>
  )
}

function FormProblems({ v, problems, error }: { v: View; problems: Problems; error: string | null }) {
  if (error) {
    return (
      <div class="flash error" role="alert" safe>
        {error}
      </div>
    )
  }
  if (!Object.keys(problems).length) return ''
  return (
    <div class="flash error" role="alert">
      {v.escape('form.fix_errors')}
    </div>
  )
}

// ---- one template -------------------------------------------------------------------------------------

export function TemplatePage(p: EditorProps & { sectorsById: Map<number, Sector>; flash?: MessageKey | null }) {
  const { v, template, channel, sectors } = p
  const tpl = template!
  const parts = partsOf(tpl.components)
  const editable = EDITABLE_STATUSES.has(tpl.status) && tpl.external_id !== null
  const examples = (() => {
    const body = tpl.components.find((c) => typeof c === 'object' && c !== null && String((c as Record<string, unknown>).type).toUpperCase() === 'BODY') as Record<string, unknown> | undefined
    const ex = (body?.example as Record<string, unknown> | undefined)?.body_text
    return Array.isArray(ex) && Array.isArray(ex[0]) ? (ex[0] as unknown[]).map(String) : []
  })()
  return (
    <Layout v={v} title={tpl.name}>
      <p class="crumbs">
        <a href={`/admin/templates?channel_id=${channel.id}`}>← {v.escape('templates.back')}</a>
      </p>
      <Flash v={v} kind="ok" message={p.flash} />
      <FormProblems v={v} problems={{}} error={p.error ?? null} />
      <div class="row">
        <h1 safe>{tpl.name}</h1>
        <TemplateStatus v={v} status={tpl.status} />
      </div>
      <section class="card">
        <dl class="facts">
          <dt>{v.escape('templates.channel')}</dt>
          <dd safe>{channel.name}</dd>
          <dt>{v.escape('templates.language')}</dt>
          <dd safe>{tpl.language}</dd>
          <dt>{v.escape('templates.category')}</dt>
          <dd safe>{categoryLabel(v, tpl.category)}</dd>
          <dt>{v.escape('templates.status')}</dt>
          <dd>
            <TemplateStatus v={v} status={tpl.status} /> <span class="hint">{v.escape(`templates.status_hint_${statusHint(tpl.status)}`)}</span>
          </dd>
          {tpl.rejected_reason ? (
            <>
              <dt>{v.escape('templates.rejected_reason')}</dt>
              <dd safe>{reasonText(v, tpl.rejected_reason)}</dd>
            </>
          ) : (
            ''
          )}
          {tpl.quality_score ? (
            <>
              <dt>{v.escape('templates.quality')}</dt>
              <dd safe>{tpl.quality_score}</dd>
            </>
          ) : (
            ''
          )}
          <dt>{v.escape('templates.updated_at')}</dt>
          <dd safe>{v.date(tpl.updated_at)}</dd>
        </dl>
        <TemplateBubble v={v} parts={parts} values={{ header: [], body: examples }} />
      </section>

      {tpl.status !== 'DELETED' ? (
        <>
          <section class="card" aria-labelledby="reply-title">
            <h2 id="reply-title">{v.escape('templates.reply_sector')}</h2>
            <form method="post" action={`/admin/templates/${tpl.id}/reply-sector`} class="row">
              <CsrfField v={v} />
              <label for="reply_sector_id" class="skip">
                {v.escape('templates.reply_sector')}
              </label>
              <select id="reply_sector_id" name="reply_sector_id" aria-describedby="reply-hint">
                <option value="">{v.escape('templates.reply_sector_channel')}</option>
                {sectors.map((s) => (
                  <option value={String(s.id)} selected={tpl.reply_sector_id === s.id} safe>
                    {s.name}
                  </option>
                ))}
              </select>
              <button type="submit" class="small">
                {v.escape('form.save')}
              </button>
            </form>
            <p class="hint" id="reply-hint">
              {v.escape('templates.reply_sector_hint')}
            </p>
          </section>

          <section class="card" aria-labelledby="edit-title">
            <h2 id="edit-title">{v.escape('templates.edit')}</h2>
            {editable ? (
              <>
                <FormProblems v={v} problems={p.problems} error={null} />
                <TemplateEditor v={v} template={tpl} channel={channel} values={p.values} problems={p.problems} sectors={sectors} parts={p.parts} rows={p.rows} />
              </>
            ) : (
              <p class="muted">{v.escape('templates.not_editable_hint')}</p>
            )}
          </section>

          <section class="card" aria-labelledby="delete-title">
            <h2 id="delete-title">{v.escape('templates.delete')}</h2>
            <p class="muted">{v.escape('templates.delete_hint')}</p>
            <form method="post" action={`/admin/templates/${tpl.id}/delete`} data-confirm={v.t('templates.delete_confirm', { name: tpl.name })}>
              <CsrfField v={v} />
              <button type="submit" class="danger">
                {v.escape('templates.delete')}
              </button>
            </form>
          </section>
        </>
      ) : (
        ''
      )}
    </Layout>
  )
}

const statusHint = (status: string): 'approved' | 'pending' | 'rejected' | 'paused' | 'other' =>
  status === 'APPROVED' ? 'approved' : status === 'PENDING' || status === 'IN_APPEAL' ? 'pending' : status === 'REJECTED' ? 'rejected' : status === 'PAUSED' || status === 'DISABLED' || status === 'FLAGGED' ? 'paused' : 'other'
