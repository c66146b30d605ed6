// Mesclar clientes: pick the duplicate (a search), see what moves, confirm. Names and data are
// customer-provided: `safe` always.
import { formatCode } from '../../src/customers/code'
import { formatPhone } from '../../src/customers/customers'
import type { MergePlan } from '../../src/customers/merge'
import type { Customer } from '../../src/customers/store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Empty } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

const COPY_LABEL: Record<MergePlan['copies'][number], MessageKey> = { code: 'customers.code', email: 'customers.email', phone: 'customers.phone', type_id: 'customers.type' }

function Summary({ v, c, title, typeName }: { v: View; c: Customer; title: MessageKey; typeName: string | null }) {
  return (
    <div class="card merge-side">
      <p class="muted small">{v.escape(title)}</p>
      <h2 safe>{c.name}</h2>
      <dl class="merge-facts">
        <dt>{v.escape('customers.code')}</dt>
        <dd class="protocol">
          {c.code ? formatCode(c.code, c.code_type) : '—'}
        </dd>
        <dt>{v.escape('customers.email')}</dt>
        <dd safe>{c.email ?? '—'}</dd>
        <dt>{v.escape('customers.phone')}</dt>
        <dd>{c.phone ? formatPhone(c.phone) : '—'}</dd>
        <dt>{v.escape('customers.type')}</dt>
        <dd safe>{typeName ?? '—'}</dd>
      </dl>
    </div>
  )
}

export function MergePage({
  v,
  keep,
  q,
  results,
  plan,
  typeName,
}: {
  v: View
  keep: Customer
  q: string
  results: Customer[]
  plan: MergePlan | null
  typeName: (id: number | null) => string | null
}) {
  return (
    <Layout v={v} title={v.t('customer_merge.title')}>
      <p>
        <a href={`/customers/${keep.id}`} safe>
          {`← ${keep.name}`}
        </a>
      </p>
      <h1>{v.escape('customer_merge.title')}</h1>
      <p class="muted">{v.escape('customer_merge.intro', { name: keep.name })}</p>
      <form class="search row" method="get" action={`/customers/${keep.id}/merge`} role="search">
        <input type="search" name="q" value={q} maxlength="100" aria-label={v.t('customer_merge.search')} placeholder={v.t('customer_merge.search')} />
        <button type="submit" class="secondary">
          {v.escape('customers.search_submit')}
        </button>
      </form>
      {q ? (
        results.length === 0 ? (
          <Empty title={v.t('customer_merge.results_empty', { q })} />
        ) : (
          <ul class="ws-results merge-results">
            {results.map((c) => (
              <li class="row spread">
                <span hx-ignore>
                  <strong safe>{c.name}</strong>{' '}
                  <span class="protocol muted small">
                    {c.code ? formatCode(c.code, c.code_type) : ''}
                  </span>{' '}
                  <span class="muted small" safe>
                    {c.email ?? ''}
                  </span>
                </span>
                <a class="button small secondary" href={`/customers/${keep.id}/merge?from=${c.id}`}>
                  {v.escape('customer_merge.pick')}
                </a>
              </li>
            ))}
          </ul>
        )
      ) : (
        ''
      )}
      {plan ? <MergePreview v={v} plan={plan} typeName={typeName} /> : ''}
    </Layout>
  )
}

function MergePreview({ v, plan, typeName }: { v: View; plan: MergePlan; typeName: (id: number | null) => string | null }) {
  const changes: JSX.Element[] = [
    <li>{v.escape('customer_merge.moves_tickets', { n: plan.tickets })}</li>,
    <li>{v.escape('customer_merge.moves_contacts', { n: plan.contacts })}</li>,
  ]
  if (plan.copies.length) changes.push(<li>{v.escape('customer_merge.copies_data', { names: plan.copies.map((k) => v.t(COPY_LABEL[k])).join(', ') })}</li>)
  if (plan.fieldsCopied.length) changes.push(<li>{v.escape('customer_merge.copies_fields', { names: plan.fieldsCopied.join(', ') })}</li>)
  if (plan.fieldsDropped.length) changes.push(<li>{v.escape('customer_merge.drops_fields', { names: plan.fieldsDropped.join(', ') })}</li>)
  if (plan.notes) changes.push(<li>{v.escape('customer_merge.appends_notes')}</li>)
  return (
    <section id="merge-preview" aria-labelledby="merge-preview-title">
      <div class="grid">
        <Summary v={v} c={plan.keep} title="customer_merge.keep" typeName={typeName(plan.keep.type_id)} />
        <Summary v={v} c={plan.from} title="customer_merge.from" typeName={typeName(plan.from.type_id)} />
      </div>
      <p>
        <a href={`/customers/${plan.from.id}/merge?from=${plan.keep.id}`}>⇄ {v.escape('customer_merge.swap')}</a>
      </p>
      <div class="card">
        <h2 id="merge-preview-title">{v.escape('customer_merge.preview')}</h2>
        <ul class="merge-changes">{changes}</ul>
        <form method="post" action={`/customers/${plan.keep.id}/merge`} data-confirm={v.t('customer_merge.confirm_ask')}>
          <CsrfField v={v} />
          <input type="hidden" name="from_id" value={String(plan.from.id)} />
          <button type="submit" class="danger">
            {v.escape('customer_merge.confirm')}
          </button>
        </form>
      </div>
    </section>
  )
}
