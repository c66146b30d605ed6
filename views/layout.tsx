// The page frame: header with navigation by permission, presence and the live-events connection;
// notices area; main content. Scripts only from our origin (CSP script-src 'self').
import type { Children } from '@kitajs/html'
import { asset } from '../src/http/assets'
import { CSRF_HEADER } from '../src/http/csrf'
import { PresenceForm } from './components'
import type { View } from './view'

interface NavItem {
  href: string
  label: string
}

function navItems(v: View): NavItem[] {
  const items: NavItem[] = [{ href: '/', label: v.t('nav.home') }]
  if (v.user) items.push({ href: '/tickets', label: v.t('desk.nav') })
  if (v.can('users.view')) items.push({ href: '/admin/users', label: v.t('nav.users') })
  if (v.can('sectors.view')) items.push({ href: '/admin/sectors', label: v.t('nav.sectors') })
  if (v.can('channels.manage')) items.push({ href: '/admin/channels', label: v.t('nav.channels') })
  return items
}

const current = (v: View, href: string) => (href === '/' ? v.path === '/' : v.path.startsWith(href))

export function Layout({ v, title, children }: { v: View; title: string; children?: Children }) {
  const user = v.user
  return (
    '<!doctype html>' +
    (
      <html lang={v.lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content='{"includeIndicatorCSS":false}' />
          <title safe>{`${title} · Kumquat`}</title>
          <link rel="icon" href={asset('favicon.svg')} type="image/svg+xml" />
          <link rel="stylesheet" href={asset('app.css')} />
          <script src={asset('htmx.min.js')} defer></script>
          <script src={asset('hx-sse.min.js')} defer></script>
          <script src={asset('app.js')} defer></script>
        </head>
        <body hx-headers:inherited={user ? JSON.stringify({ [CSRF_HEADER]: v.csrf }) : undefined}>
          <a class="skip" href="#main">
            {v.escape('app.skip')}
          </a>
          {user ? (
            <header class="topbar">
              <a class="brand" href="/">
                <img src={asset('favicon.svg')} alt="" /> Kumquat
              </a>
              <nav class="nav" aria-label={v.t('nav.menu')}>
                {navItems(v).map((i) => (
                  <a href={i.href} aria-current={current(v, i.href) ? 'page' : undefined} safe>
                    {i.label}
                  </a>
                ))}
              </nav>
              <div class="userbox">
                <PresenceForm v={v} user={user} />
                <span class="live" data-live id="live-status" hx-sse:connect="/events" hx-swap="none">
                  <span class="on">● {v.escape('live.connected')}</span>
                  <span class="off">{v.escape('live.reconnecting')}</span>
                </span>
                <a href="/profile" safe>
                  {user.name}
                </a>
                <form method="post" action="/logout" class="row">
                  <input type="hidden" name="_csrf" value={v.csrf} />
                  <button type="submit" class="small secondary">
                    {v.escape('nav.logout')}
                  </button>
                </form>
              </div>
            </header>
          ) : (
            ''
          )}
          <main id="main">
            {user ? <section id="notices" class="notices" aria-label={v.t('notices.title')}></section> : ''}
            {children}
          </main>
        </body>
      </html>
    )
  )
}
