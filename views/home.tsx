import type { Sector } from '../src/admin/sectors-store'
import { CHANNEL_TYPES } from '../src/admin/users-store'
import { Empty, Flash } from './components'
import { Layout } from './layout'
import type { View } from './view'
import type { MessageKey } from '../src/i18n'
import { HomeMine, HomeQueue, type TicketRowData } from './desk/tickets'

/** The viewer's open tickets and their sectors' queue (src/desk/pages.tsx `homeLists`). */
export interface HomeTickets {
  mine: TicketRowData[]
  queue: TicketRowData[]
}

/**
 * The lists render with the page when the route passes `tickets` (src/desk/pages.tsx `homeLists`);
 * the live stream redraws them when a ticket changes. Without them (a route not wired yet) the
 * cards only point to the tickets list: no request is made on load, nothing claims "empty".
 */
function ticketLists(v: View, tickets?: HomeTickets): { mine: JSX.Element; queue: JSX.Element } {
  if (tickets) {
    return { mine: <HomeMine v={v} rows={tickets.mine} />, queue: <HomeQueue v={v} rows={tickets.queue} /> }
  }
  return { mine: <div id="home-mine"></div>, queue: <div id="home-queue"></div> }
}

export function HomePage({ v, sectors, flash, tickets }: { v: View; sectors: Sector[]; flash?: MessageKey | null; tickets?: HomeTickets }) {
  const user = v.user!
  const { mine, queue } = ticketLists(v, tickets)
  return (
    <Layout v={v} title={v.t('home.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <h1>{v.escape('home.greeting', { name: user.name })}</h1>
      <div class="grid">
        <section class="card" aria-labelledby="tickets-title">
          <h2 id="tickets-title">{v.escape('home.tickets_title')}</h2>
          {mine}
          <p class="spaced">
            <a href="/tickets">{v.escape('desk.home_see_all')} →</a>
          </p>
        </section>
        <section class="card" aria-labelledby="queue-title">
          <h2 id="queue-title">{v.escape('desk.home_queue_title')}</h2>
          {queue}
          <p class="spaced">
            <a href="/tickets?status=queued">{v.escape('desk.home_see_queue')} →</a>
          </p>
        </section>
        <section class="card" aria-labelledby="sectors-title">
          <h2 id="sectors-title">{v.escape('home.sectors_title')}</h2>
          {sectors.length ? (
            <ul>
              {sectors.map((s) => (
                <li safe>{s.name}</li>
              ))}
            </ul>
          ) : (
            <Empty title={v.t('home.sectors_empty')} />
          )}
          <h2>{v.escape('home.limits_title')}</h2>
          <ul>
            {CHANNEL_TYPES.map((c) => (
              <li>
                {v.escape(`channel.${c}`)}: <strong safe>{String(user.limits[c])}</strong>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </Layout>
  )
}
