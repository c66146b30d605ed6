// The customer page below the form: actions (merge, LGPD), the customer's contacts (link / unlink,
// with a contact search) and its tickets. Contact names and numbers are customer-provided: `safe`.
import type { CustomerContact, CustomerTicket } from '../../src/customers/contacts-store'
import type { Customer } from '../../src/customers/store'
import type { TicketStatus } from '../../src/desk/tickets-store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty, PostButton } from '../components'
import { StatusBadge } from '../desk/tickets'
import type { View } from '../view'

export interface RelationsData {
  customer: Customer
  contacts: CustomerContact[]
  tickets: CustomerTicket[]
  /** id to continue the tickets from (older), when there is more */
  ticketsNext: number | null
  canEdit: boolean
  canMerge: boolean
  canPrivacy: boolean
  /** a contact search done without JavaScript (?contact_q=) */
  search: { q: string; contacts: CustomerContact[] } | null
}

const channelKey = (type: string): MessageKey =>
  type === 'whatsapp' ? 'customer_contacts.kind_whatsapp' : type === 'email' ? 'customer_contacts.kind_email' : 'customer_contacts.kind_webchat'

/** A WhatsApp wa_id as a phone number (+55 83 …); other identities as stored. */
export const identityText = (c: Pick<CustomerContact, 'channel_type' | 'external_key'>) => (c.channel_type === 'whatsapp' && /^\d{8,15}$/.test(c.external_key) ? `+${c.external_key}` : c.external_key)

export function CustomerRelations({ v, d }: { v: View; d: RelationsData }) {
  const c = d.customer
  return (
    <>
      {d.canMerge || d.canPrivacy ? (
        <div class="row customer-actions">
          {d.canMerge && c.anonymized_at === null ? (
            <a class="button secondary" href={`/customers/${c.id}/merge`}>
              {v.escape('customer_merge.action')}
            </a>
          ) : (
            ''
          )}
          {d.canPrivacy ? (
            <a class="button secondary" href={`/customers/${c.id}/privacy`}>
              {v.escape('lgpd.title')}
            </a>
          ) : (
            ''
          )}
        </div>
      ) : (
        ''
      )}
      <section class="card" id="customer-contacts" aria-labelledby="customer-contacts-title">
        <h2 id="customer-contacts-title">{v.escape('customer_contacts.title')}</h2>
        <p class="muted small">{v.escape('customer_contacts.intro')}</p>
        {d.contacts.length === 0 ? (
          <Empty title={v.t('customer_contacts.empty')} />
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{v.escape('customer_contacts.channel')}</th>
                  <th>{v.escape('customer_contacts.identity')}</th>
                  <th class="optional">{v.escape('customer_contacts.name')}</th>
                  <th class="optional">{v.escape('customer_contacts.last_ticket')}</th>
                  {d.canEdit ? <th></th> : ''}
                </tr>
              </thead>
              <tbody hx-ignore>
                {d.contacts.map((x) => (
                  <tr>
                    <td>
                      {v.escape(channelKey(x.channel_type))} <span class="muted small" safe>{x.channel_name}</span>
                    </td>
                    <td class="protocol" safe>
                      {identityText(x)}
                    </td>
                    <td class="optional" safe>
                      {x.name ?? ''}
                    </td>
                    <td class="optional">
                      {x.last_ticket_at ? v.date(x.last_ticket_at) : '—'}
                    </td>
                    {d.canEdit ? (
                      <td>
                        <PostButton v={v} action={`/customers/${c.id}/contacts/${x.id}/unlink`} button="small secondary" label="customer_contacts.unlink" />
                      </td>
                    ) : (
                      ''
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {d.canEdit && c.anonymized_at === null ? (
          <form class="contact-search" method="get" action={`/customers/${c.id}/contacts/search`} role="search">
            <label for="contact-q">{v.escape('customer_contacts.link_label')}</label>
            <div class="row">
              <input
                id="contact-q"
                type="search"
                name="q"
                value={d.search?.q ?? ''}
                maxlength="100"
                autocomplete="off"
                placeholder={v.t('customer_contacts.search')}
                hx-get={`/customers/${c.id}/contacts/search`}
                hx-trigger="input changed delay:300ms, search"
                hx-target="#contact-results"
                hx-swap="innerHTML"
              />
              <button type="submit" class="secondary">
                {v.escape('customer_contacts.search_submit')}
              </button>
            </div>
            <div id="contact-results" aria-live="polite">
              {d.search ? <ContactResults v={v} customer={c} q={d.search.q} contacts={d.search.contacts} /> : ''}
            </div>
          </form>
        ) : (
          ''
        )}
      </section>
      <section class="card" id="customer-tickets" aria-labelledby="customer-tickets-title">
        <h2 id="customer-tickets-title">{v.escape('customer_tickets.title')}</h2>
        {d.tickets.length === 0 ? (
          <Empty title={v.t('customer_tickets.empty')} />
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{v.escape('customer_tickets.protocol')}</th>
                  <th>{v.escape('customer_tickets.status')}</th>
                  <th class="optional">{v.escape('customer_tickets.contact')}</th>
                  <th class="optional">{v.escape('customer_tickets.created')}</th>
                </tr>
              </thead>
              <tbody hx-ignore>
                {d.tickets.map((t) => (
                  <tr>
                    <td>
                      <a class="protocol" href={`/tickets/${t.id}`} safe>
                        {t.protocol}
                      </a>
                    </td>
                    <td>
                      <StatusBadge v={v} status={t.status as TicketStatus} />
                    </td>
                    <td class="optional">
                      {v.escape(channelKey(t.channel_type))} <span safe>{t.contact_name ?? ''}</span>
                    </td>
                    <td class="optional" safe>
                      {v.date(t.created_at)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {d.ticketsNext ? (
          <nav class="pager" aria-label="pagination">
            <span></span>
            <a href={`/customers/${c.id}?tickets_before=${d.ticketsNext}#customer-tickets`}>{v.escape('customer_tickets.more')} →</a>
          </nav>
        ) : (
          ''
        )}
      </section>
    </>
  )
}

/** The contact search's answer: each match with a "Vincular" button (or who already has it). */
export function ContactResults({ v, customer, q, contacts }: { v: View; customer: Customer; q: string; contacts: CustomerContact[] }) {
  if (!q.trim()) return ''
  if (contacts.length === 0) return <p class="muted small">{v.escape('customer_contacts.results_empty', { q })}</p>
  return (
    <ul class="ws-results">
      {contacts.map((x) => (
        <li class="row spread">
          <span hx-ignore>
            {v.escape(channelKey(x.channel_type))}{' '}
            <strong class="protocol" safe>
              {identityText(x)}
            </strong>{' '}
            <span class="muted small" safe>
              {x.name ?? ''}
            </span>
          </span>
          {x.customer_id === customer.id ? (
            ''
          ) : x.customer_id !== null ? (
            <span class="muted small">{v.escape('customer_contacts.linked_other')}</span>
          ) : (
            <form method="post" action={`/customers/${customer.id}/contacts`}>
              <CsrfField v={v} />
              <input type="hidden" name="contact_id" value={String(x.id)} />
              <button type="submit" class="small secondary">
                {v.escape('customer_contacts.link')}
              </button>
            </form>
          )}
        </li>
      ))}
    </ul>
  )
}
