// A customer's data subject requests (LGPD): export everything, or anonymise. Plain forms; the
// anonymise button asks first (data-confirm) and says what stays.
import type { Customer } from '../../src/customers/store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Flash } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

export function PrivacyPage({ v, customer, counts, openTickets, flash, error }: { v: View; customer: Customer; counts: { contacts: number; tickets: number; messages: number; media: number }; openTickets: number; flash?: MessageKey | null; error?: string | null }) {
  const anonymized = customer.anonymized_at !== null
  return (
    <Layout v={v} title={v.t('lgpd.title')}>
      <p>
        <a href={`/customers/${customer.id}`} safe>
          {`← ${customer.name}`}
        </a>
      </p>
      <h1>{v.escape('lgpd.title')}</h1>
      <Flash v={v} kind="ok" message={flash} />
      {error ? (
        <div class="flash error" role="alert" safe>
          {error}
        </div>
      ) : (
        ''
      )}
      <div class="card">
        <h2 safe>{customer.name}</h2>
        {anonymized ? <p class="flash info">{v.escape('lgpd.is_anonymized', { at: v.date(customer.anonymized_at!) })}</p> : ''}
        <p class="muted">{v.escape('lgpd.holds', { contacts: counts.contacts, tickets: counts.tickets, messages: counts.messages, media: counts.media })}</p>
      </div>
      {v.can('customers.export') ? (
        <section class="card">
          <h2>{v.escape('lgpd.export')}</h2>
          <p class="hint">{v.escape('lgpd.export_hint')}</p>
          <form method="post" action={`/customers/${customer.id}/export`} class="actions">
            <CsrfField v={v} />
            <button type="submit">{v.escape('lgpd.export_zip')}</button>
          </form>
        </section>
      ) : (
        ''
      )}
      {v.can('customers.delete') && !anonymized ? (
        <section class="card">
          <h2>{v.escape('lgpd.anonymize')}</h2>
          <p class="hint">{v.escape('lgpd.anonymize_hint')}</p>
          {openTickets > 0 ? <p class="flash error">{v.escape('lgpd.tickets_open', { count: openTickets })}</p> : ''}
          <form method="post" action={`/customers/${customer.id}/anonymize`} class="actions" data-confirm={v.t('lgpd.anonymize_confirm', { name: customer.name })}>
            <CsrfField v={v} />
            <button type="submit" class="danger" disabled={openTickets > 0}>
              {v.escape('lgpd.anonymize_button')}
            </button>
          </form>
        </section>
      ) : (
        ''
      )}
    </Layout>
  )
}
