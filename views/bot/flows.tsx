// Bot flows: the list (with the channels using each flow and the conversations in progress), a new
// flow, importing a flow from JSON, which flow each channel uses; and a flow's versions.
import type { FlowProblem, FlowDefinition } from '../../src/bot/flow'
import type { Flow, FlowVersion } from '../../src/bot/store'
import type { Channel } from '../../src/channels/store'
import type { MessageKey } from '../../src/i18n'
import { Card, CsrfField, DataTable, Flash } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

export interface FlowRow {
  flow: Flow
  channels: { id: number; name: string }[]
  active: number
}

export interface ImportState {
  text: string
  problems: FlowProblem[]
}

function ProblemList({ v, problems }: { v: View; problems: FlowProblem[] }) {
  if (!problems.length) return ''
  return (
    <div class="flash error" role="alert">
      {v.escape('bot.fix_problems', { count: problems.length })}
      <ul>
        {problems.slice(0, 30).map((p) => (
          <li>
            <code safe>{p.path}</code> — {v.escape(p.key, p.vars)}
          </li>
        ))}
      </ul>
    </div>
  )
}

export function BotFlowsPage({
  v,
  rows,
  channels,
  flash,
  error,
  importState,
  newName,
}: {
  v: View
  rows: FlowRow[]
  channels: Channel[]
  flash?: MessageKey | null
  error?: MessageKey | null
  importState?: ImportState
  newName?: { value: string; problem: MessageKey | null }
}) {
  return (
    <Layout v={v} title={v.t('bot.title')}>
      <Flash v={v} kind="ok" message={flash} />
      <Flash v={v} kind="error" message={error} />
      <h1>{v.escape('bot.title')}</h1>
      <p class="muted">{v.escape('bot.intro')}</p>

      <DataTable
        v={v}
        wrap
        head={['bot.col_name', 'bot.col_version', 'bot.col_channels', 'bot.col_active', 'list.actions']}
        rows={rows}
        row={({ flow, channels: used, active }) => {
          const usedBy = used.length ? used.map((c) => c.name).join(', ') : '—'
          return (
            <tr>
              <td>
                <a href={`/admin/bot/flows/${flow.id}`} safe>
                  {flow.name}
                </a>{' '}
                {flow.builtin ? <span class="badge">{v.escape('bot.builtin')}</span> : ''}
              </td>
              <td safe>{String(flow.current_version)}</td>
              <td safe>{usedBy}</td>
              <td safe>{String(active)}</td>
              <td>
                <div class="row">
                  <a href={`/admin/bot/flows/${flow.id}`}>{v.escape('bot.edit')}</a>
                  <a href={`/admin/bot/flows/${flow.id}/versions`}>{v.escape('bot.versions_link')}</a>
                  <a href={`/admin/bot/flows/${flow.id}/export`}>{v.escape('bot.export')}</a>
                  {!flow.builtin && used.length === 0 ? (
                    <form method="post" action={`/admin/bot/flows/${flow.id}/delete`}>
                      <CsrfField v={v} />
                      <button type="submit" class="small secondary">
                        {v.escape('bot.delete')}
                      </button>
                    </form>
                  ) : (
                    ''
                  )}
                </div>
              </td>
            </tr>
          )
        }}
      />

      <div class="grid spaced">
        <div class="card">
          <h2>{v.escape('bot.new')}</h2>
          <form method="post" action="/admin/bot/flows" novalidate>
            <CsrfField v={v} />
            <label for="new-name">{v.escape('bot.field_name')}</label>
            <input id="new-name" name="name" type="text" required maxlength="120" value={newName?.value ?? ''} aria-invalid={newName?.problem ? 'true' : undefined} />
            {newName?.problem ? <p class="field-error">{v.escape(newName.problem)}</p> : ''}
            <label for="new-from">{v.escape('bot.new_from')}</label>
            <select id="new-from" name="from">
              <option value="builtin">{v.escape('bot.new_from_builtin')}</option>
              <option value="blank">{v.escape('bot.new_from_blank')}</option>
            </select>
            <div class="actions">
              <button type="submit">{v.escape('bot.create')}</button>
            </div>
          </form>
        </div>

        <Card v={v} title="bot.import" hint="bot.import_hint">
          <ProblemList v={v} problems={importState?.problems ?? []} />
          <form method="post" action="/admin/bot/import" enctype="multipart/form-data" novalidate>
            <CsrfField v={v} />
            <label for="import-file">{v.escape('bot.import_file')}</label>
            <input id="import-file" name="file" type="file" accept="application/json,.json" />
            <label for="import-json">{v.escape('bot.import_text')}</label>
            <textarea id="import-json" name="json" rows="6" safe>
              {importState?.text ?? ''}
            </textarea>
            <div class="actions">
              <button type="submit">{v.escape('bot.import_button')}</button>
            </div>
          </form>
        </Card>
      </div>

      <Card v={v} class="card spaced" title="bot.channels" hint="bot.channels_hint">
        <DataTable
          v={v}
          empty={{ title: v.t('bot.channels_empty') }}
          head={['bot.col_channel', 'bot.col_flow']}
          rows={channels}
          row={(c) => (
            <tr>
              <td safe>{c.name}</td>
              <td>
                <form class="row" method="post" action={`/admin/bot/channels/${c.id}`}>
                  <CsrfField v={v} />
                  <select name="bot_flow_id" aria-label={v.t('bot.col_flow')}>
                    <option value="" selected={c.bot_flow_id === null}>
                      {v.escape('bot.no_bot')}
                    </option>
                    {rows.map(({ flow }) => (
                      <option value={String(flow.id)} selected={c.bot_flow_id === flow.id} safe>
                        {flow.name}
                      </option>
                    ))}
                  </select>
                  <button type="submit" class="small secondary">
                    {v.escape('bot.assign')}
                  </button>
                </form>
              </td>
            </tr>
          )}
        />
      </Card>
    </Layout>
  )
}

export function FlowVersionsPage({ v, flow, versions, active, flash }: { v: View; flow: Flow; versions: FlowVersion[]; active: Map<number, number>; flash?: MessageKey | null }) {
  return (
    <Layout v={v} title={v.t('bot.versions_title', { name: flow.name })}>
      <p>
        <a href={`/admin/bot/flows/${flow.id}`}>← {v.escape('bot.back_to_flow')}</a>
      </p>
      <Flash v={v} kind="ok" message={flash} />
      <h1>{v.escape('bot.versions_title', { name: flow.name })}</h1>
      <p class="muted">{v.escape('bot.versions_intro')}</p>
      <Card v={v} title="bot.import_version" hint="bot.import_version_hint">
        <form method="post" action={`/admin/bot/flows/${flow.id}/import`} enctype="multipart/form-data" novalidate>
          <CsrfField v={v} />
          <input name="file" type="file" accept="application/json,.json" aria-label={v.t('bot.import_file')} />
          <textarea name="json" rows="4" aria-label={v.t('bot.import_text')}></textarea>
          <div class="actions">
            <button type="submit" class="secondary">
              {v.escape('bot.import_button')}
            </button>
          </div>
        </form>
      </Card>
      <DataTable
        v={v}
        wrap="spaced"
        head={['bot.col_version', 'bot.col_saved', 'bot.col_steps', 'bot.col_active', 'list.actions']}
        rows={versions}
        row={(ver) => (
          <tr>
            <td>
              <span safe>{String(ver.version)}</span> {ver.version === flow.current_version ? <span class="badge ok">{v.escape('bot.current')}</span> : ''}
            </td>
            <td safe>{`${v.date(ver.created_at)}${ver.created_by_name ? ` · ${ver.created_by_name}` : ''}`}</td>
            <td safe>{String((ver.definition as FlowDefinition).steps?.length ?? 0)}</td>
            <td safe>{String(active.get(ver.version) ?? 0)}</td>
            <td>
              <div class="row">
                <a href={`/admin/bot/flows/${flow.id}/export?version=${ver.version}`}>{v.escape('bot.export')}</a>
                {ver.version !== flow.current_version ? (
                  <form method="post" action={`/admin/bot/flows/${flow.id}/versions/${ver.version}/restore`}>
                    <CsrfField v={v} />
                    <button type="submit" class="small secondary">
                      {v.escape('bot.restore')}
                    </button>
                  </form>
                ) : (
                  ''
                )}
              </div>
            </td>
          </tr>
        )}
      />
    </Layout>
  )
}
