// The web-chat visitor in the workspace's side panel (page, browser, language) and the live
// "typing…" note. The box also tells public/app.js where to report the agent's own typing.
import type { VisitorInfo } from '../../src/channels/webchat/visitor-info'
import type { View } from '../view'

export function WebchatVisitorBox({ v, info }: { v: View; info: VisitorInfo | null | undefined }) {
  if (!info) return ''
  return (
    <section class="card webchat-visitor" aria-labelledby={`webchat-visitor-${info.ticket_id}`} data-typing-url={`/tickets/${info.ticket_id}/typing`}>
      <h2 id={`webchat-visitor-${info.ticket_id}`}>{v.escape('webchat.panel_title')}</h2>
      <dl class="facts" hx-ignore>
        <dt>{v.escape('webchat.panel_page')}</dt>
        <dd>
          {info.page_url ? (
            <a href={info.page_url} target="_blank" rel="noopener noreferrer nofollow" safe>
              {info.page_url}
            </a>
          ) : (
            '—'
          )}
        </dd>
        <dt>{v.escape('webchat.panel_browser')}</dt>
        <dd safe>{info.browser ?? '—'}</dd>
        <dt>{v.escape('webchat.panel_locale')}</dt>
        <dd safe>{info.locale ?? '—'}</dd>
        {info.email ? (
          <>
            <dt>{v.escape('webchat.panel_email')}</dt>
            <dd safe>{info.email}</dd>
          </>
        ) : (
          ''
        )}
      </dl>
      <p id={`ws-typing-${info.ticket_id}`} class="webchat-typing" aria-live="polite"></p>
    </section>
  )
}

/** What the typing partial puts in the note (CSS fades it out after a few seconds). */
export function VisitorTypingNote({ v }: { v: View }) {
  return <span class="webchat-typing-note">{v.escape('webchat.visitor_typing')}</span>
}
