// What the agent sees about a web-chat visitor in the workspace's side panel: the page they were
// on, their browser (the User-Agent summarised to "Chrome 131 · Windows") and language.
import type { Context } from '../../context'
import type { Ticket } from '../../desk/tickets-store'

export interface VisitorInfo {
  ticket_id: number
  page_url: string | null
  browser: string | null
  locale: string | null
  email: string | null
}

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/\bOPR\/(\d+)/, 'Opera'],
  [/\bSamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/\bFirefox\/(\d+)/, 'Firefox'],
  [/\bFxiOS\/(\d+)/, 'Firefox'],
  [/\bCriOS\/(\d+)/, 'Chrome'],
  [/\bChrome\/(\d+)/, 'Chrome'],
  [/\bVersion\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
]
const SYSTEMS: [RegExp, string][] = [
  [/\bAndroid\b/, 'Android'],
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b/, 'macOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bLinux\b/, 'Linux'],
]

/** "Chrome 131 · Windows"; the raw string (clipped) when nothing is recognised. */
export function summariseUserAgent(ua: string | null): string | null {
  if (!ua) return null
  const browser = BROWSERS.map(([re, name]) => {
    const m = re.exec(ua)
    return m ? `${name} ${m[1]}` : null
  }).find(Boolean)
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1]
  const parts = [browser, system].filter(Boolean)
  return parts.length ? parts.join(' · ') : ua.slice(0, 80)
}

export function visitorInfoOf(ctx: Context, t: Ticket): VisitorInfo | null {
  if (t.channel_type !== 'webchat') return null
  const s = ctx.stores.webchat.ofContact(t.contact_id)
  if (!s) return null
  return { ticket_id: t.id, page_url: s.page_url, browser: summariseUserAgent(s.user_agent), locale: s.locale, email: s.email }
}
