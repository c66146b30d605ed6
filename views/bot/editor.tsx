// The flow editor: the flow's settings and its steps, each with the fields of its type and selects
// for the next steps. A plain form (works without JavaScript: buttons say what to do with the
// draft); with htmx, changing a step's type redraws the form at once.
import type { Sector } from '../../src/admin/sectors-store'
import { ASK_KINDS, RULE_KINDS, STEP_TYPES, type FlowDefinition, type FlowProblem, type Step } from '../../src/bot/flow'
import type { Flow } from '../../src/bot/store'
import type { CustomerType } from '../../src/customers/store'
import type { MessageKey } from '../../src/i18n'
import { CsrfField, Flash } from '../components'
import { Layout } from '../layout'
import type { View } from '../view'

export interface EditorState {
  flow: Flow
  def: FlowDefinition
  problems: FlowProblem[]
  byField: Map<string, FlowProblem[]>
  sectors: Sector[]
  customerTypes: CustomerType[]
  flash?: MessageKey | null
  /** 'checked': validated, no problem (not saved) */
  checked?: boolean
}

const EMPTY_OPTION_ROWS = 2

function Problems({ v, list }: { v: View; list: FlowProblem[] | undefined }) {
  if (!list?.length) return ''
  return (
    <>
      {list.map((p) => (
        <p class="field-error">{v.escape(p.key, p.vars)}</p>
      ))}
    </>
  )
}

function NextSelect({ v, name, value, ids, optional, invalid }: { v: View; name: string; value: string | undefined; ids: string[]; optional?: MessageKey; invalid?: boolean }) {
  const known = value && !ids.includes(value) ? [...ids, value] : ids
  return (
    <select id={name} name={name} aria-invalid={invalid ? 'true' : undefined}>
      <option value="">{v.escape(optional ?? 'bot.next_choose')}</option>
      {known.map((id) => (
        <option value={id} selected={value === id} safe>
          {id}
        </option>
      ))}
    </select>
  )
}

function SectorSelect({ v, name, value, sectors, empty }: { v: View; name: string; value: number | null | undefined; sectors: Sector[]; empty: MessageKey }) {
  return (
    <select id={name} name={name}>
      <option value="">{v.escape(empty)}</option>
      {sectors.map((s) => (
        <option value={String(s.id)} selected={value === s.id} safe>
          {s.name}
        </option>
      ))}
    </select>
  )
}

function Field({ v, id, label, hint, children, st }: { v: View; id: string; label: MessageKey; hint?: MessageKey; children: JSX.Element; st: EditorState }) {
  return (
    <div>
      <label for={id}>{v.escape(label)}</label>
      {children}
      {hint ? <p class="hint">{v.escape(hint)}</p> : ''}
      <Problems v={v} list={st.byField.get(id)} />
    </div>
  )
}

function TextArea({ name, value, rows = 3, invalid }: { name: string; value: string | undefined; rows?: number; invalid?: boolean }) {
  return (
    <textarea id={name} name={name} rows={String(rows)} maxlength="4096" aria-invalid={invalid ? 'true' : undefined} safe>
      {value ?? ''}
    </textarea>
  )
}

function StepFields({ v, s, i, st, ids }: { v: View; s: Step; i: number; st: EditorState; ids: string[] }) {
  const p = `s${i}_`
  const bad = (f: string) => st.byField.has(p + f)
  const text = (label: MessageKey, hint?: MessageKey, rows = 3) => (
    <Field v={v} id={`${p}text`} label={label} hint={hint} st={st}>
      <TextArea name={`${p}text`} value={s.text} rows={rows} invalid={bad('text')} />
    </Field>
  )
  const next = (field: 'next' | 'skip_next' | 'fail_next' | 'not_found_next', label: MessageKey, optional?: MessageKey) => (
    <Field v={v} id={p + field} label={label} st={st}>
      <NextSelect v={v} name={p + field} value={s[field]} ids={ids} optional={optional} invalid={bad(field)} />
    </Field>
  )
  const input = (field: 'var' | 'label' | 'name_var', label: MessageKey, hint?: MessageKey) => (
    <Field v={v} id={p + field} label={label} hint={hint} st={st}>
      <input id={p + field} name={p + field} type="text" maxlength="60" value={s[field] ?? ''} aria-invalid={bad(field) ? 'true' : undefined} />
    </Field>
  )
  const attempts = (
    <Field v={v} id={`${p}max_attempts`} label="bot.field_max_attempts" st={st}>
      <input id={`${p}max_attempts`} name={`${p}max_attempts`} type="number" min="1" max="10" value={String(s.max_attempts ?? 3)} />
    </Field>
  )
  switch (s.type) {
    case 'message':
      return (
        <div class="grid">
          {text('bot.field_text', 'bot.hint_vars', 4)}
          {next('next', 'bot.field_next')}
        </div>
      )
    case 'menu':
      return (
        <>
          <div class="grid">
            {text('bot.field_question', 'bot.hint_menu')}
            <Field v={v} id={`${p}source`} label="bot.field_source" st={st}>
              <select id={`${p}source`} name={`${p}source`}>
                <option value="options" selected={s.source !== 'sectors'}>
                  {v.escape('bot.source_options')}
                </option>
                <option value="sectors" selected={s.source === 'sectors'}>
                  {v.escape('bot.source_sectors')}
                </option>
              </select>
            </Field>
            {input('var', 'bot.field_var', 'bot.hint_var')}
            {input('label', 'bot.field_label', 'bot.hint_label')}
            {attempts}
            {next('fail_next', 'bot.field_fail_next', 'bot.next_human')}
          </div>
          {s.source === 'sectors' ? (
            <div class="grid">
              <fieldset>
                <legend>{v.escape('bot.field_sectors')}</legend>
                <p class="hint">{v.escape('bot.hint_sectors')}</p>
                {st.sectors.map((x) => (
                  <label class="inline">
                    <input type="checkbox" name={`${p}sector_ids`} value={String(x.id)} checked={(s.sector_ids ?? []).includes(x.id)} /> <span safe>{x.name}</span>
                  </label>
                ))}
                <Problems v={v} list={st.byField.get(`${p}sector_ids`)} />
              </fieldset>
              {next('next', 'bot.field_next')}
            </div>
          ) : (
            <div class="table-wrap">
              <table class="options">
                <caption>{v.escape('bot.field_options')}</caption>
                <thead>
                  <tr>
                    <th>#</th>
                    <th>{v.escape('bot.option_title')}</th>
                    <th>{v.escape('bot.option_description')}</th>
                    <th>{v.escape('bot.option_value')}</th>
                    <th>{v.escape('bot.field_next')}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...(s.options ?? []), ...Array.from({ length: EMPTY_OPTION_ROWS }, () => ({ title: '', next: '' }) as NonNullable<Step['options']>[number])].map((o, j) => {
                    const q = `${p}o${j}_`
                    return (
                      <tr>
                        <td safe>{String(j + 1)}</td>
                        <td>
                          <input name={`${q}title`} type="text" maxlength="100" value={o.title} aria-label={v.t('bot.option_title')} aria-invalid={bad(`o${j}_title`) ? 'true' : undefined} />
                          <Problems v={v} list={st.byField.get(`${q}title`)} />
                        </td>
                        <td>
                          <input name={`${q}description`} type="text" maxlength="72" value={o.description ?? ''} aria-label={v.t('bot.option_description')} />
                        </td>
                        <td>
                          <input name={`${q}value`} type="text" maxlength="100" value={o.value ?? ''} aria-label={v.t('bot.option_value')} />
                        </td>
                        <td>
                          <NextSelect v={v} name={`${q}next`} value={o.next} ids={ids} invalid={bad(`o${j}_next`)} />
                          <Problems v={v} list={st.byField.get(`${q}next`)} />
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
              <p class="hint">{v.escape('bot.hint_options')}</p>
              <Problems v={v} list={st.byField.get(`${p}options`)} />
            </div>
          )}
        </>
      )
    case 'ask':
      return (
        <div class="grid">
          {text('bot.field_question')}
          <Field v={v} id={`${p}kind`} label="bot.field_kind" st={st}>
            <select id={`${p}kind`} name={`${p}kind`}>
              {ASK_KINDS.map((k) => (
                <option value={k} selected={s.kind === k}>
                  {v.escape(`bot.kind_${k}`)}
                </option>
              ))}
            </select>
          </Field>
          {input('var', 'bot.field_var', 'bot.hint_var')}
          {input('label', 'bot.field_label', 'bot.hint_label')}
          <Field v={v} id={`${p}retry_text`} label="bot.field_retry_text" hint="bot.hint_retry_text" st={st}>
            <TextArea name={`${p}retry_text`} value={s.retry_text} rows={2} />
          </Field>
          {attempts}
          {next('next', 'bot.field_next')}
          {next('fail_next', 'bot.field_fail_next', 'bot.next_human')}
          <div>
            <label class="inline">
              <input type="checkbox" name={`${p}skippable`} value="1" checked={Boolean(s.skippable)} /> {v.escape('bot.field_skippable')}
            </label>
            <p class="hint">{v.escape('bot.hint_skippable')}</p>
          </div>
          {next('skip_next', 'bot.field_skip_next')}
        </div>
      )
    case 'identify':
      return (
        <div class="grid">
          {input('var', 'bot.field_identify_var', 'bot.hint_identify_var')}
          <div>
            <label class="inline">
              <input type="checkbox" name={`${p}create`} value="1" checked={Boolean(s.create)} /> {v.escape('bot.field_create')}
            </label>
            <p class="hint">{v.escape('bot.hint_create')}</p>
          </div>
          {input('name_var', 'bot.field_name_var', 'bot.hint_name_var')}
          {next('next', 'bot.field_found_next')}
          {next('not_found_next', 'bot.field_not_found_next', 'bot.next_same')}
        </div>
      )
    case 'condition':
      return (
        <>
          <div class="table-wrap">
            <table class="rules">
              <caption>{v.escape('bot.field_rules')}</caption>
              <thead>
                <tr>
                  <th>{v.escape('bot.rule_if')}</th>
                  <th>{v.escape('bot.rule_var')}</th>
                  <th>{v.escape('bot.rule_value')}</th>
                  <th>{v.escape('bot.rule_sector')}</th>
                  <th>{v.escape('bot.field_next')}</th>
                </tr>
              </thead>
              <tbody>
                {[...(s.rules ?? []), { if: '', next: '' } as unknown as NonNullable<Step['rules']>[number]].map((r, j) => {
                  const q = `${p}r${j}_`
                  return (
                    <tr>
                      <td>
                        <select name={`${q}if`} aria-label={v.t('bot.rule_if')}>
                          <option value="">{v.escape('bot.rule_none')}</option>
                          {RULE_KINDS.map((k) => (
                            <option value={k} selected={r.if === k}>
                              {v.escape(`bot.rule_${k}`)}
                            </option>
                          ))}
                        </select>
                        <Problems v={v} list={st.byField.get(`${q}if`)} />
                      </td>
                      <td>
                        <input name={`${q}var`} type="text" maxlength="40" value={r.var ?? ''} aria-label={v.t('bot.rule_var')} />
                        <Problems v={v} list={st.byField.get(`${q}var`)} />
                      </td>
                      <td>
                        <input name={`${q}value`} type="text" maxlength="100" value={r.value ?? ''} aria-label={v.t('bot.rule_value')} list="customer-types" />
                        <Problems v={v} list={st.byField.get(`${q}value`)} />
                      </td>
                      <td>
                        <SectorSelect v={v} name={`${q}sector_id`} value={r.sector_id} sectors={st.sectors} empty="bot.rule_sector_chosen" />
                        <Problems v={v} list={st.byField.get(`${q}sector_id`)} />
                      </td>
                      <td>
                        <NextSelect v={v} name={`${q}next`} value={r.next} ids={ids} />
                        <Problems v={v} list={st.byField.get(`${q}next`)} />
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
            <p class="hint">{v.escape('bot.hint_rules')}</p>
          </div>
          <div class="grid">{next('next', 'bot.field_else_next')}</div>
        </>
      )
    case 'handoff':
      return (
        <div class="grid">
          <Field v={v} id={`${p}sector_id`} label="bot.field_sector" hint="bot.hint_handoff_sector" st={st}>
            <SectorSelect v={v} name={`${p}sector_id`} value={s.sector_id} sectors={st.sectors} empty="bot.sector_chosen" />
          </Field>
          {text('bot.field_handoff_text', 'bot.hint_handoff_text', 2)}
        </div>
      )
    case 'end':
      return <div class="grid">{text('bot.field_end_text', 'bot.hint_end_text', 2)}</div>
    default:
      return ''
  }
}

function StepCard({ v, s, i, st, ids }: { v: View; s: Step; i: number; st: EditorState; ids: string[] }) {
  const p = `s${i}_`
  const action = `/admin/bot/flows/${st.flow.id}`
  return (
    <fieldset class={`card step step-${s.type || 'none'}`} id={`step-${i}`}>
      <legend>
        <span safe>{`${i + 1}. ${s.id || '?'}`}</span> — {v.escape(s.type ? `bot.type_${s.type}` : 'bot.type_none')}
        {st.def.start === s.id ? <span class="badge ok">{v.escape('bot.start_badge')}</span> : ''}
      </legend>
      <Problems v={v} list={st.byField.get(`s${i}`)} />
      <input type="hidden" name={`${p}orig`} value={s.id} />
      <div class="grid">
        <Field v={v} id={`${p}id`} label="bot.field_id" hint="bot.hint_id" st={st}>
          <input id={`${p}id`} name={`${p}id`} type="text" maxlength="40" required value={s.id} aria-invalid={st.byField.has(`${p}id`) ? 'true' : undefined} />
        </Field>
        <Field v={v} id={`${p}type`} label="bot.field_type" st={st}>
          <select id={`${p}type`} name={`${p}type`} hx-post={action} hx-trigger="change" hx-vals='{"do":"refresh"}' hx-target="#flow-editor" hx-select="#flow-editor" hx-swap="outerHTML">
            {STEP_TYPES.map((t) => (
              <option value={t} selected={s.type === t}>
                {v.escape(`bot.type_${t}`)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <StepFields v={v} s={s} i={i} st={st} ids={ids} />
      <div class="actions">
        <button type="submit" name="do" value={`remove:${i}`} class="small secondary">
          {v.escape('bot.remove_step')}
        </button>
      </div>
    </fieldset>
  )
}

export function FlowEditor({ v, st }: { v: View; st: EditorState }) {
  const { def } = st
  const ids = def.steps.map((s) => s.id).filter(Boolean)
  const set = def.settings
  const action = `/admin/bot/flows/${st.flow.id}`
  const general = st.byField.get('name') ?? []
  const others = st.problems.filter((p) => !p.path.startsWith('steps.') && !p.path.startsWith('settings.') && p.path !== 'name' && p.path !== 'start')
  return (
    <form id="flow-editor" method="post" action={action} novalidate>
      <CsrfField v={v} />
      {st.problems.length ? (
        <div class="flash error" role="alert">
          {v.escape('bot.fix_problems', { count: st.problems.length })}
          <ul>
            {st.problems.slice(0, 30).map((p) => (
              <li>
                <code safe>{p.path}</code> — {v.escape(p.key, p.vars)}
              </li>
            ))}
          </ul>
        </div>
      ) : st.checked ? (
        <div class="flash ok" role="status">
          {v.escape('bot.check_ok')}
        </div>
      ) : (
        ''
      )}
      <Problems v={v} list={others} />
      <div class="card">
        <h2>{v.escape('bot.settings')}</h2>
        <div class="grid">
          <div>
            <label for="name">{v.escape('bot.field_name')}</label>
            <input id="name" name="name" type="text" required maxlength="120" value={def.name} aria-invalid={general.length ? 'true' : undefined} />
            <Problems v={v} list={general} />
          </div>
          <div>
            <label for="start">{v.escape('bot.field_start')}</label>
            <NextSelect v={v} name="start" value={def.start} ids={ids} invalid={st.byField.has('start')} />
            <Problems v={v} list={st.byField.get('start')} />
          </div>
          <Field v={v} id="set_human_keywords" label="bot.field_keywords" hint="bot.hint_keywords" st={st}>
            <input id="set_human_keywords" name="set_human_keywords" type="text" maxlength="500" value={set.human_keywords.join(', ')} />
          </Field>
          <Field v={v} id="set_skip_words" label="bot.field_skip_words" hint="bot.hint_skip_words" st={st}>
            <input id="set_skip_words" name="set_skip_words" type="text" maxlength="500" value={set.skip_words.join(', ')} />
          </Field>
          <Field v={v} id="set_reminder_minutes" label="bot.field_reminder_minutes" hint="bot.hint_reminder_minutes" st={st}>
            <input id="set_reminder_minutes" name="set_reminder_minutes" type="number" min="0" max="1380" value={String(set.reminder_minutes)} />
          </Field>
          <Field v={v} id="set_reminder_text" label="bot.field_reminder_text" st={st}>
            <TextArea name="set_reminder_text" value={set.reminder_text} rows={2} />
          </Field>
          <Field v={v} id="set_abandon_minutes" label="bot.field_abandon_minutes" hint="bot.hint_abandon_minutes" st={st}>
            <input id="set_abandon_minutes" name="set_abandon_minutes" type="number" min="1" max="1380" value={String(set.abandon_minutes)} />
          </Field>
          <Field v={v} id="set_abandon_text" label="bot.field_abandon_text" st={st}>
            <TextArea name="set_abandon_text" value={set.abandon_text} rows={2} />
          </Field>
          <Field v={v} id="set_invalid_option_text" label="bot.field_invalid_option_text" st={st}>
            <TextArea name="set_invalid_option_text" value={set.invalid_option_text} rows={2} />
          </Field>
          <Field v={v} id="set_list_button" label="bot.field_list_button" hint="bot.hint_button" st={st}>
            <input id="set_list_button" name="set_list_button" type="text" maxlength="20" value={set.list_button} />
          </Field>
          <Field v={v} id="set_skip_button" label="bot.field_skip_button" hint="bot.hint_button" st={st}>
            <input id="set_skip_button" name="set_skip_button" type="text" maxlength="20" value={set.skip_button} />
          </Field>
          <Field v={v} id="set_fallback_sector_id" label="bot.field_fallback_sector" hint="bot.hint_fallback_sector" st={st}>
            <SectorSelect v={v} name="set_fallback_sector_id" value={set.fallback_sector_id} sectors={st.sectors} empty="bot.sector_channel" />
          </Field>
        </div>
      </div>

      <h2>{v.escape('bot.steps')}</h2>
      <p class="muted">{v.escape('bot.steps_intro')}</p>
      <Problems v={v} list={st.byField.get('steps')} />
      {def.steps.map((s, i) => (
        <StepCard v={v} s={s} i={i} st={st} ids={ids} />
      ))}
      <datalist id="customer-types">
        {st.customerTypes.map((ct) => (
          <option value={String(ct.id)} safe>
            {ct.name}
          </option>
        ))}
      </datalist>

      <div class="card row">
        <label for="add_type">{v.escape('bot.add_step_type')}</label>
        <select id="add_type" name="add_type">
          {STEP_TYPES.map((t) => (
            <option value={t}>{v.escape(`bot.type_${t}`)}</option>
          ))}
        </select>
        <button type="submit" name="do" value="add" class="secondary">
          {v.escape('bot.add_step')}
        </button>
      </div>

      <div class="actions sticky-actions">
        <button type="submit" name="do" value="save">
          {v.escape('bot.save')}
        </button>
        <button type="submit" name="do" value="check" class="secondary">
          {v.escape('bot.check')}
        </button>
        <button type="submit" name="do" value="refresh" class="secondary">
          {v.escape('bot.refresh')}
        </button>
      </div>
    </form>
  )
}

export function FlowEditorPage({ v, st }: { v: View; st: EditorState }) {
  const f = st.flow
  return (
    <Layout v={v} title={v.t('bot.editor_title', { name: f.name })}>
      <p>
        <a href="/admin/bot">← {v.escape('bot.back')}</a>
      </p>
      <Flash v={v} kind="ok" message={st.flash} />
      <h1>{v.escape('bot.editor_title', { name: f.name })}</h1>
      <p class="muted">
        {v.escape('bot.editor_intro', { version: f.current_version })}{' '}
        <a href={`/admin/bot/flows/${f.id}/versions`}>{v.escape('bot.versions_link')}</a> ·{' '}
        <a href={`/admin/bot/flows/${f.id}/export`}>{v.escape('bot.export')}</a>
      </p>
      <FlowEditor v={v} st={st} />
    </Layout>
  )
}
