// The channels list: name, number, sector, status; an empty state that leads to connecting one.
import type { Sector } from '../../src/admin/sectors-store'
import type { Channel } from '../../src/channels/store'
import type { MessageKey } from '../../src/i18n'
import { Empty, Flash } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

const setting = (c: Channel, key: string): string | null => {
  const value = c.settings[key]
  return typeof value === 'string' && value ? value : null
}

/** The number as people know it once a test has read it from Meta; until then Meta's id. */
export const channelNumber = (v: View, c: Channel): string =>
  // A web chat has no number: the sites it is embedded in say which one it is.
  c.type === 'webchat' && Array.isArray(c.settings.allowed_origins) ? c.settings.allowed_origins.join(', ') || '—' :
  setting(c, 'display_phone_number') ?? (setting(c, 'phone_number_id') ? v.t('channels.number_id', { id: setting(c, 'phone_number_id')! }) : '—')

export function StatusBadge({ v, channel }: { v: View; channel: Channel }) {
  if (!channel.active) return <span class="badge off">{v.escape('channels.status_inactive')}</span>
  if (channel.status === 'paused') return <span class="badge off">{v.escape('channels.status_paused')}</span>
  if (channel.status === 'disabled') return <span class="badge off">{v.escape('channels.status_disabled')}</span>
  return <span class="badge ok">{v.escape('channels.status_active')}</span>
}

export function ChannelsPage({ v, channels, sectors, flash }: { v: View; channels: Channel[]; sectors: Map<number, Sector>; flash?: MessageKey | null }) {
  return (
    <Layout v={v} title={v.t('channels.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <div class="row spread">
        <h1>{v.escape('channels.title')}</h1>
        {channels.length ? (
          <div class="row">
            <a class="button" href="/admin/channels/new">
              {v.escape('channels.new')}
            </a>
            <a class="button secondary" href="/admin/channels/new/webchat">
              {v.escape('webchat.new')}
            </a>
          </div>
        ) : (
          ''
        )}
      </div>
      {channels.length === 0 ? (
        <div class="card">
          <Empty title={v.t('channels.empty')} hint={v.t('channels.empty_hint')} />
          <p class="empty">
            <a class="button" href="/admin/channels/new">
              {v.escape('channels.new')}
            </a>{' '}
            <a class="button secondary" href="/admin/channels/new/webchat">
              {v.escape('webchat.new')}
            </a>
          </p>
        </div>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{v.escape('channels.name')}</th>
                <th>{v.escape('channels.number')}</th>
                <th class="optional">{v.escape('channels.sector')}</th>
                <th>{v.escape('channels.status')}</th>
              </tr>
            </thead>
            <tbody>
              {channels.map((c) => (
                <tr>
                  <td>
                    <a href={`/admin/channels/${c.id}`} safe>
                      {c.name}
                    </a>{' '}
                    <span class="badge">{v.escape(`channel.${c.type}`)}</span>
                  </td>
                  <td safe>{channelNumber(v, c)}</td>
                  <td class="optional" safe>
                    {sectors.get(c.sector_id)?.name ?? '—'}
                  </td>
                  <td>
                    <StatusBadge v={v} channel={c} />
                    {c.status_reason ? (
                      <span class="hint" safe>
                        {' ' + c.status_reason}
                      </span>
                    ) : (
                      ''
                    )}
                    {c.type === 'whatsapp' && !setting(c, 'display_phone_number') ? <span class="hint"> · {v.escape('channels.not_tested')}</span> : ''}
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
