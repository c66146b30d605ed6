// Sending a template by hand: from a ticket (the 24-hour window is closed, or anytime) and to start
// a new conversation with a number. Pick an approved template, fill its variables (with suggestions
// from the ticket: customer name, protocol…), see the bubble as the customer will, send.
import type { Children } from '@kitajs/html'
import type { Channel } from '../../src/channels/store'
import type { Ticket } from '../../src/desk/tickets-store'
import type { Template } from '../../src/templates/store'
import { partsOf, variablesOf } from '../../src/templates/validation'
import { CsrfField, FieldError } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'
import { TemplateBubble } from './preview'

/** What the send form holds (all text, as typed). */
export interface SendValues {
  params: string[]
  header_param: string
  header_media_link: string
  button_params: string[]
}

export const emptySendValues = (): SendValues => ({ params: [], header_param: '', header_media_link: '', button_params: [] })

/** The variables a template asks for when it is sent. */
export function sendSlots(tpl: Template) {
  const parts = partsOf(tpl.components)
  return {
    parts,
    body: variablesOf(parts.body),
    headerVar: parts.header?.format === 'TEXT' && parts.header.text ? variablesOf(parts.header.text).length > 0 : false,
    headerMedia: parts.header && ['IMAGE', 'VIDEO', 'DOCUMENT'].includes(parts.header.format) ? parts.header.format : null,
    urlButtons: parts.buttons.filter((b) => b.type === 'URL' && b.url !== null && variablesOf(b.url).length > 0),
  }
}

export function SendPreview({ v, tpl, values }: { v: View; tpl: Template; values: SendValues }) {
  return <TemplateBubble v={v} parts={partsOf(tpl.components)} values={{ header: [values.header_param || null], body: values.params }} />
}

/** The fields of the chosen template and the live preview. */
function SendFields({ v, tpl, values, problems, previewAction, suggestions }: { v: View; tpl: Template; values: SendValues; problems: Problems; previewAction: string; suggestions: string[] }) {
  const slots = sendSlots(tpl)
  return (
    <>
      <input type="hidden" name="template_id" value={String(tpl.id)} />
      {suggestions.length ? (
        <datalist id="tpl-suggestions">
          {suggestions.map((s) => (
            <option value={s} />
          ))}
        </datalist>
      ) : (
        ''
      )}
      {slots.headerVar ? (
        <>
          <label for="header_param">{v.escape('templates.send_header_param')}</label>
          <input id="header_param" name="header_param" type="text" value={values.header_param} list="tpl-suggestions" aria-invalid={problems.header_param ? 'true' : undefined} />
          <FieldError v={v} problems={problems} field="header_param" />
        </>
      ) : (
        ''
      )}
      {slots.headerMedia ? (
        <>
          <label for="header_media_link">{v.escape('templates.send_header_media')}</label>
          <input id="header_media_link" name="header_media_link" type="url" value={values.header_media_link} placeholder="https://" aria-invalid={problems.header_media_link ? 'true' : undefined} aria-describedby="header_media_link-hint" />
          <p class="hint" id="header_media_link-hint">
            {v.escape('templates.send_header_media_hint')}
          </p>
          <FieldError v={v} problems={problems} field="header_media_link" />
        </>
      ) : (
        ''
      )}
      {slots.body.map((name, i) => (
        <>
          <label for={`param_${i + 1}`}>{v.escape('templates.send_param', { name: `{{${name}}}` })}</label>
          <input id={`param_${i + 1}`} name={`param_${i + 1}`} type="text" value={values.params[i] ?? ''} list="tpl-suggestions" maxlength="1024" aria-invalid={problems[`param_${i + 1}`] ? 'true' : undefined} />
          <FieldError v={v} problems={problems} field={`param_${i + 1}`} />
        </>
      ))}
      {slots.urlButtons.map((b, i) => (
        <>
          <label for={`button_param_${i}`}>{v.escape('templates.send_button_param', { label: b.text })}</label>
          <input id={`button_param_${i}`} name={`button_param_${i}`} type="text" value={values.button_params[i] ?? ''} aria-invalid={problems[`button_param_${i}`] ? 'true' : undefined} />
          <FieldError v={v} problems={problems} field={`button_param_${i}`} />
        </>
      ))}
      {!slots.body.length && !slots.headerVar && !slots.headerMedia && !slots.urlButtons.length ? <p class="muted">{v.escape('templates.send_no_variables')}</p> : ''}
      <h3>{v.escape('templates.preview')}</h3>
      <div id="tpl-send-preview" aria-live="polite" hx-post={previewAction} hx-trigger="input delay:400ms from:closest form" hx-swap="innerHTML">
        <SendPreview v={v} tpl={tpl} values={values} />
      </div>
    </>
  )
}

function TemplatePicker({ v, action, templates, selected, children }: { v: View; action: string; templates: Template[]; selected: Template | null; children?: Children }) {
  return (
    <form method="get" action={action} class="row" hx-get={action} hx-include="this" hx-trigger="change" hx-target="#tpl-send" hx-select="#tpl-send" hx-swap="outerHTML" hx-push-url="true">
      {children}
      <label for="template_id">{v.escape('templates.send_pick')}</label>
      <select id="template_id" name="template_id">
        <option value="">{v.escape('templates.send_pick_none')}</option>
        {templates.map((tpl) => (
          <option value={String(tpl.id)} selected={selected?.id === tpl.id} safe>
            {`${tpl.name} (${tpl.language})`}
          </option>
        ))}
      </select>
      <button type="submit" class="small secondary">
        {v.escape('templates.send_choose')}
      </button>
    </form>
  )
}

function SendError({ error }: { error: string | null }) {
  return error ? (
    <div class="flash error" role="alert" safe>
      {error}
    </div>
  ) : (
    ''
  )
}

/** /tickets/:id/template */
export function TicketTemplatePage({
  v,
  ticket,
  templates,
  selected,
  values,
  problems,
  error,
  suggestions,
  windowOpen,
}: {
  v: View
  ticket: Ticket
  templates: Template[]
  selected: Template | null
  values: SendValues
  problems: Problems
  error: string | null
  suggestions: string[]
  windowOpen: boolean
}) {
  const base = `/tickets/${ticket.id}/template`
  return (
    <Layout v={v} title={v.t('templates.send_title')}>
      <p class="crumbs">
        <a href={`/tickets/${ticket.id}`}>← {v.escape('templates.send_back', { protocol: ticket.protocol })}</a>
      </p>
      <section id="tpl-send" class="card">
        <h1>{v.escape('templates.send_title')}</h1>
        <p class="muted">{v.escape(windowOpen ? 'templates.send_intro_open' : 'templates.send_intro_closed')}</p>
        <SendError error={error} />
        {templates.length === 0 ? (
          <p class="flash info">{v.escape('templates.send_none_approved')}</p>
        ) : (
          <>
            <TemplatePicker v={v} action={base} templates={templates} selected={selected} />
            {selected ? (
              <form method="post" action={base}>
                <CsrfField v={v} />
                <SendFields v={v} tpl={selected} values={values} problems={problems} previewAction={`${base}/preview`} suggestions={suggestions} />
                <div class="actions">
                  <button type="submit">{v.escape('templates.send_submit')}</button>
                  <a class="button secondary" href={`/tickets/${ticket.id}`}>
                    {v.escape('form.cancel')}
                  </a>
                </div>
              </form>
            ) : (
              ''
            )}
          </>
        )}
      </section>
    </Layout>
  )
}

/** /conversations/new — a new outbound conversation. */
export function NewConversationPage({
  v,
  channels,
  channel,
  templates,
  selected,
  to,
  values,
  problems,
  error,
  suggestions,
}: {
  v: View
  channels: Channel[]
  channel: Channel | null
  templates: Template[]
  selected: Template | null
  to: string
  values: SendValues
  problems: Problems
  error: string | null
  suggestions: string[]
}) {
  const base = '/conversations/new'
  const channelPicker = (
    <>
      <label for="channel_id">{v.escape('templates.channel')}</label>
      <select id="channel_id" name="channel_id">
        {channels.map((c) => (
          <option value={String(c.id)} selected={channel?.id === c.id} safe>
            {c.name}
          </option>
        ))}
      </select>
      {to ? <input type="hidden" name="to" value={to} /> : ''}
    </>
  )
  return (
    <Layout v={v} title={v.t('templates.start_title')}>
      <section id="tpl-send" class="card">
        <h1>{v.escape('templates.start_title')}</h1>
        <p class="muted">{v.escape('templates.start_intro')}</p>
        <SendError error={error} />
        {channels.length === 0 ? (
          <p class="flash info">{v.escape('templates.no_channels')}</p>
        ) : (
          <>
            <TemplatePicker v={v} action={base} templates={templates} selected={selected}>
              {channelPicker}
            </TemplatePicker>
            {templates.length === 0 ? <p class="flash info">{v.escape('templates.send_none_approved')}</p> : ''}
            {selected && channel ? (
              <form method="post" action={base}>
                <CsrfField v={v} />
                <input type="hidden" name="channel_id" value={String(channel.id)} />
                <label for="to">{v.escape('templates.start_to')}</label>
                <input id="to" name="to" type="tel" value={to} placeholder="+5583988887777" required aria-invalid={problems.to ? 'true' : undefined} aria-describedby="to-hint" />
                <p class="hint" id="to-hint">
                  {v.escape('templates.start_to_hint')}
                </p>
                <FieldError v={v} problems={problems} field="to" />
                <SendFields v={v} tpl={selected} values={values} problems={problems} previewAction={`${base}/preview`} suggestions={suggestions} />
                <div class="actions">
                  <button type="submit">{v.escape('templates.start_submit')}</button>
                </div>
              </form>
            ) : (
              ''
            )}
          </>
        )}
      </section>
    </Layout>
  )
}
