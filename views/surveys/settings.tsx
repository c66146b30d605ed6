// Pesquisas de satisfação — settings: the rule (channel over sector), then one form per sector and
// one per channel: kind, question, optional comment question, time to answer, thank-you message.
// Read-only (fieldset disabled) without `surveys.edit`.
import type { MessageKey } from '../../src/i18n'
import { CHANNEL_KINDS, SECTOR_KINDS, type ChannelSettings, type SectorSettings, type SurveyTexts } from '../../src/surveys/settings'
import { CsrfField, Empty, FieldError, Flash } from '../components'
import { Layout } from '../layout'
import type { Problems, View } from '../view'

export interface SettingsPageProps {
  v: View
  sectors: SectorSettings[]
  channels: ChannelSettings[]
  flash?: MessageKey | null
  /** the form that failed: 'sector-<id>' or 'channel-<id>', its problems and what was typed */
  failed?: { form: string; problems: Problems; values: SurveyTexts & { kind: string } } | null
  defaultQuestion: (kind: string) => string
}

function SurveyForm(p: { v: View; id: string; action: string; title: string; subtitle?: string; kinds: readonly string[]; values: SurveyTexts & { kind: string }; problems: Problems; defaultQuestion: (kind: string) => string }) {
  const { v, id, values, problems } = p
  const f = (name: string) => `${id}-${name}`
  const invalid = (name: string) => (problems[name] ? 'true' : undefined)
  return (
    <form class="card spaced survey-settings" method="post" action={p.action} id={id} novalidate>
      <CsrfField v={v} />
      <fieldset disabled={!v.can('surveys.edit')}>
        <legend>
          <strong safe>{p.title}</strong>
          {p.subtitle ? (
            <span class="muted small" safe>
              {' · ' + p.subtitle}
            </span>
          ) : (
            ''
          )}
        </legend>
        <div class="grid">
          <div>
            <label for={f('kind')}>{v.escape('surveys.kind')}</label>
            <select id={f('kind')} name="kind" aria-invalid={invalid('kind')}>
              {p.kinds.map((k) => (
                <option value={k} selected={values.kind === k}>
                  {v.escape(`surveys.kind.${k}` as MessageKey)}
                </option>
              ))}
            </select>
            <FieldError v={v} problems={problems} field="kind" />
          </div>
          <div>
            <label for={f('window_hours')}>{v.escape('surveys.window_hours')}</label>
            <input id={f('window_hours')} name="window_hours" type="number" min="1" max="168" step="1" required value={String(values.window_hours)} aria-invalid={invalid('window_hours')} />
            <FieldError v={v} problems={problems} field="window_hours" />
          </div>
        </div>
        <label for={f('question')}>{v.escape('surveys.question')}</label>
        <textarea id={f('question')} name="question" rows="2" maxlength="1000" placeholder={p.defaultQuestion(values.kind)} aria-describedby={f('question-hint')} aria-invalid={invalid('question')} safe>
          {values.question ?? ''}
        </textarea>
        <p class="hint" id={f('question-hint')}>
          {v.escape('surveys.question_hint')}
        </p>
        <FieldError v={v} problems={problems} field="question" />
        <label for={f('comment_question')}>{v.escape('surveys.comment_question')}</label>
        <textarea id={f('comment_question')} name="comment_question" rows="2" maxlength="1000" aria-describedby={f('comment-hint')} aria-invalid={invalid('comment_question')} safe>
          {values.comment_question ?? ''}
        </textarea>
        <p class="hint" id={f('comment-hint')}>
          {v.escape('surveys.comment_question_hint')}
        </p>
        <FieldError v={v} problems={problems} field="comment_question" />
        <label for={f('thanks')}>{v.escape('surveys.thanks')}</label>
        <textarea id={f('thanks')} name="thanks" rows="2" maxlength="1000" aria-describedby={f('thanks-hint')} aria-invalid={invalid('thanks')} safe>
          {values.thanks ?? ''}
        </textarea>
        <p class="hint" id={f('thanks-hint')}>
          {v.escape('surveys.thanks_hint')}
        </p>
        <FieldError v={v} problems={problems} field="thanks" />
        {v.can('surveys.edit') ? (
          <div class="actions">
            <button type="submit">{v.escape('surveys.save')}</button>
          </div>
        ) : (
          ''
        )}
      </fieldset>
    </form>
  )
}

export function SurveySettingsPage(p: SettingsPageProps) {
  const { v } = p
  const valuesFor = (form: string, current: SurveyTexts & { kind: string }) => (p.failed?.form === form ? p.failed.values : current)
  const problemsFor = (form: string): Problems => (p.failed?.form === form ? p.failed.problems : {})
  return (
    <Layout v={v} title={v.t('surveys.settings_title')}>
      <Flash v={v} kind="ok" message={p.flash} />
      {p.failed ? <Flash v={v} kind="error" message="error.validation" /> : ''}
      <div class="row spread">
        <h1>{v.escape('surveys.settings_title')}</h1>
        <a href="/surveys">{v.escape('nav.survey_results')}</a>
      </div>
      <p class="muted">{v.escape('surveys.settings_intro')}</p>
      <div class="card">
        <p>{v.escape('surveys.rule')}</p>
        <p class="hint">{v.escape('surveys.not_sent_when')}</p>
      </div>
      {v.can('surveys.edit') ? '' : <Flash v={v} kind="info" message="surveys.read_only" />}

      <h2>{v.escape('surveys.channels')}</h2>
      {p.channels.length === 0 ? <Empty title={v.t('surveys.no_channels')} /> : ''}
      {p.channels.map((c) => {
        const form = `channel-${c.channel_id}`
        return (
          <SurveyForm
            v={v}
            id={form}
            action={`/admin/surveys/channels/${c.channel_id}`}
            title={c.name}
            subtitle={`${c.type} · ${v.t('surveys.effective')}: ${v.t(`surveys.kind.${c.effective_kind}` as MessageKey)}`}
            kinds={CHANNEL_KINDS}
            values={valuesFor(form, c)}
            problems={problemsFor(form)}
            defaultQuestion={p.defaultQuestion}
          />
        )
      })}

      <h2>{v.escape('surveys.sectors')}</h2>
      {p.sectors.length === 0 ? <Empty title={v.t('surveys.no_sectors')} /> : ''}
      {p.sectors.map((s) => {
        const form = `sector-${s.sector_id}`
        return <SurveyForm v={v} id={form} action={`/admin/surveys/sectors/${s.sector_id}`} title={s.name} kinds={SECTOR_KINDS} values={valuesFor(form, s)} problems={problemsFor(form)} defaultQuestion={p.defaultQuestion} />
      })}
    </Layout>
  )
}
