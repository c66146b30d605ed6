// "Baixar conversa": the visitor's conversation as plain text (never HTML: what customers and
// agents typed is copied as is, in a text/plain attachment), one line per message.
import type { Context } from '../../context'
import { t, type Lang } from '../../i18n'
import type { Channel } from '../store'
import type { VisitorSession } from './store'
import { conversationOf } from './visitor-stream'

export function transcriptOf(ctx: Context, channel: Channel, session: VisitorSession, lang: Lang): { filename: string; text: string } {
  const botName = t(ctx.config.defaultLanguage, 'webchat.bot_name')
  const messages = conversationOf(ctx, session, '', { visitor: session.name, bot: botName }, 0, 100_000)
  const last = ctx.stores.tickets.lastOfContact(session.contact_id)
  const protocol = last?.protocol ?? ''
  const when = new Intl.DateTimeFormat('pt-BR', { dateStyle: 'short', timeStyle: 'short', timeZone: ctx.config.timeZone })
  const lines = [t(lang, 'webchat.transcript_title', { protocol, channel: channel.name }), '']
  for (const m of messages) {
    const who = m.author_name ?? (m.author === 'customer' ? t(lang, 'webchat.visitor') : channel.name)
    const body = [m.text ?? '', m.media ? t(lang, 'webchat.transcript_file', { name: m.media.filename ?? m.media.mime_type }) : ''].filter(Boolean).join(' ')
    lines.push(`[${when.format(new Date(m.created_at))}] ${who}: ${body}`)
  }
  if (messages.length === 0) lines.push(t(lang, 'webchat.transcript_empty'))
  return { filename: `conversa-${protocol || 'webchat'}.txt`, text: lines.join('\r\n') + '\r\n' }
}
