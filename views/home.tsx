import type { Sector } from '../src/admin/sectors-store'
import { CHANNEL_TYPES } from '../src/admin/users-store'
import { Empty, Flash } from './components'
import { Layout } from './layout'
import type { View } from './view'
import type { MessageKey } from '../src/i18n'

export function HomePage({ v, sectors, flash }: { v: View; sectors: Sector[]; flash?: MessageKey | null }) {
  const user = v.user!
  return (
    <Layout v={v} title={v.t('home.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <h1>{v.escape('home.greeting', { name: user.name })}</h1>
      <div class="grid">
        <section class="card" aria-labelledby="tickets-title">
          <h2 id="tickets-title">{v.escape('home.tickets_title')}</h2>
          <div id="my-tickets">
            <Empty title={v.t('home.tickets_empty')} hint={v.t('home.tickets_empty_hint')} />
          </div>
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
