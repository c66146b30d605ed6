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
  // Atendimentos: the agent workspace; the searchable list of every visible ticket is "Consulta".
  if (v.user) items.push({ href: '/workspace', label: v.t('desk.nav') }, { href: '/tickets', label: v.t('desk.nav_list') })
  if (v.can('customers.view')) items.push({ href: '/customers', label: v.t('nav.customers') })
  if (v.user) items.push({ href: '/admin/quick-replies', label: v.t('nav.quick_replies') })
  if (v.can('bulk.send')) items.push({ href: '/bulk', label: v.t('nav.bulk') })
  // Supervision (issue 7).
  if (v.can('monitoring.view')) items.push({ href: '/monitoring', label: v.t('monitoring.nav') }, { href: '/alerts', label: v.t('alerts.nav') })
  if (v.can('reports.view')) items.push({ href: '/reports', label: v.t('reports.nav') })
  if (v.can('surveys.view')) items.push({ href: '/surveys', label: v.t('nav.surveys') })
  if (v.user) items.push({ href: '/notices', label: v.t('notices.nav') })
  return items
}

/** The "Administração" menu: each page the profile may open (the matrix's view cells). */
function adminItems(v: View): NavItem[] {
  const items: NavItem[] = []
  if (v.can('users.view')) items.push({ href: '/admin/users', label: v.t('nav.users') })
  if (v.can('profiles.view')) items.push({ href: '/admin/profiles', label: v.t('nav.profiles') })
  if (v.can('hierarchy.view')) items.push({ href: '/admin/hierarchy', label: v.t('nav.hierarchy') })
  if (v.can('sectors.view')) items.push({ href: '/admin/sectors', label: v.t('nav.sectors') })
  if (v.can('channels.view')) items.push({ href: '/admin/channels', label: v.t('nav.channels') })
  if (v.can('bot.manage')) items.push({ href: '/admin/bot', label: v.t('nav.bot') })
  if (v.can('hours.manage')) items.push({ href: '/admin/hours', label: v.t('nav.hours') })
  if (v.can('classifications.manage')) items.push({ href: '/admin/classifications', label: v.t('nav.classifications') })
  if (v.can('customer_types.manage')) items.push({ href: '/admin/customer-types', label: v.t('nav.customer_types') })
  if (v.can('templates.view')) items.push({ href: '/admin/templates', label: v.t('nav.templates') })
  if (v.can('surveys.view')) items.push({ href: '/admin/surveys', label: v.t('surveys.settings_title') })
  if (v.can('settings.view')) items.push({ href: '/admin/settings', label: v.t('nav.settings') }, { href: '/admin/backups', label: v.t('ops.nav') })
  if (v.can('settings.view')) items.push({ href: '/admin/sso', label: v.t('sso.nav') })
  if (v.can('webhooks.view') || v.can('settings.view')) items.push({ href: '/admin/integrations', label: v.t('nav.integrations') })
  if (v.can('audit.view')) items.push({ href: '/admin/audit', label: v.t('nav.audit') })
  if (items.length) items.push({ href: '/api/docs', label: v.t('nav.api_docs') })
  return items
}

const current = (v: View, href: string) => (href === '/' ? v.path === '/' : v.path.startsWith(href))

/**
 * `wide`: the page uses the whole window (the agent workspace). `live`: the page stream to connect
 * to (default /events); the workspace asks for its own partials (/events?page=workspace) and keeps
 * the stream open in a background tab, so offers and messages still ring there.
 */
export function Layout({ v, title, children, wide = false, live = '/events' }: { v: View; title: string; children?: Children; wide?: boolean; live?: string }) {
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
                {adminItems(v).length ? (
                  <details class="nav-admin">
                    <summary>{v.escape('nav.admin_menu')}</summary>
                    <ul>
                      {adminItems(v).map((i) => (
                        <li>
                          <a href={i.href} aria-current={current(v, i.href) ? 'page' : undefined} safe>
                            {i.label}
                          </a>
                        </li>
                      ))}
                    </ul>
                  </details>
                ) : (
                  ''
                )}
              </nav>
              <div class="userbox">
                <PresenceForm v={v} user={user} />
                <span
                  class="live"
                  data-live
                  id="live-status"
                  hx-sse:connect={live}
                  hx-swap="none"
                  hx-config={live === '/events' ? undefined : '{"sse":{"pauseOnBackground":false}}'}
                >
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
          <main id="main" class={wide ? 'wide' : undefined}>
            {user ? (
              // Notices for this user and alerts for supervisors are put first right after the page loads
              // (src/notices), then kept live over the page stream; other live notes (offers) are appended.
              <section id="notices" class="notices" aria-label={v.t('notices.title')} hx-get="/notices/area" hx-trigger="load" hx-swap="afterbegin"></section>
            ) : (
              ''
            )}
            {children}
          </main>
        </body>
      </html>
    )
  )
}
