// The flow editor's form ↔ a flow definition. The page is a plain form (it works without
// JavaScript): the whole draft travels in it, and buttons name what to do with it (save, check,
// add a step, remove one, refresh after a type change). Field names:
//   name, start, set_<setting>
//   s<i>_orig (the id the step had when the form was drawn: renaming a step renames the
//   references to it), s<i>_id, s<i>_type, s<i>_<field>,
//   s<i>_o<j>_<title|description|value|next> (menu options), s<i>_r<j>_<if|var|value|sector_id|next> (rules)
import type { Form } from '../http/pages'
import { readDefinition, readStep, STEP_TYPES, type FlowDefinition, type FlowProblem, type Step, type StepType } from './flow'

const MAX_STEPS = 100
const MAX_ROWS = 60

const STEP_FIELDS = ['text', 'next', 'label', 'var', 'source', 'kind', 'retry_text', 'max_attempts', 'skip_next', 'fail_next', 'name_var', 'not_found_next', 'sector_id'] as const
const SETTINGS = ['human_keywords', 'skip_words', 'reminder_minutes', 'reminder_text', 'abandon_minutes', 'abandon_text', 'invalid_option_text', 'list_button', 'skip_button', 'fallback_sector_id'] as const

/** The draft a form holds, with renamed steps' references followed. */
export function formToDefinition(form: Form): FlowDefinition {
  const settings: Record<string, unknown> = {}
  for (const k of SETTINGS) settings[k] = form.get(`set_${k}`)
  const steps: Record<string, unknown>[] = []
  const renames = new Map<string, string>()
  for (let i = 0; i < MAX_STEPS && form.has(`s${i}_type`); i++) {
    const p = `s${i}_`
    const raw: Record<string, unknown> = { id: form.get(`${p}id`).trim(), type: form.get(`${p}type`) }
    for (const f of STEP_FIELDS) raw[f] = form.get(p + f)
    raw.skippable = form.get(`${p}skippable`) === '1'
    raw.create = form.get(`${p}create`) === '1'
    raw.sector_ids = form.all(`${p}sector_ids`)
    const options: Record<string, string>[] = []
    for (let j = 0; j < MAX_ROWS && form.has(`${p}o${j}_title`); j++) {
      const o = { title: form.get(`${p}o${j}_title`), description: form.get(`${p}o${j}_description`), value: form.get(`${p}o${j}_value`), next: form.get(`${p}o${j}_next`) }
      if (o.title.trim() || o.description.trim() || o.value.trim()) options.push(o)
    }
    raw.options = options
    const rules: Record<string, string>[] = []
    for (let j = 0; j < MAX_ROWS && form.has(`${p}r${j}_if`); j++) {
      const r = { if: form.get(`${p}r${j}_if`), var: form.get(`${p}r${j}_var`), value: form.get(`${p}r${j}_value`), sector_id: form.get(`${p}r${j}_sector_id`), next: form.get(`${p}r${j}_next`) }
      if (r.if) rules.push(r)
    }
    raw.rules = rules
    const orig = form.get(`${p}orig`).trim()
    if (orig && raw.id && orig !== raw.id) renames.set(orig, raw.id as string)
    steps.push(raw)
  }
  const { def } = readDefinition({ name: form.get('name'), start: form.get('start'), settings, steps })
  if (renames.size === 0) return def
  const follow = (id: string | undefined) => (id !== undefined && renames.has(id) ? renames.get(id)! : id)
  def.start = follow(def.start) ?? ''
  def.steps = def.steps.map((s) => {
    const out: Step = { ...s }
    for (const f of ['next', 'skip_next', 'fail_next', 'not_found_next'] as const) if (out[f]) out[f] = follow(out[f])
    if (out.options) out.options = out.options.map((o) => ({ ...o, next: follow(o.next) ?? '' }))
    if (out.rules) out.rules = out.rules.map((r) => ({ ...r, next: follow(r.next) ?? '' }))
    return out
  })
  return def
}

/** A new step of a type, with an id not taken yet. */
export function newStep(def: FlowDefinition, type: StepType): Step {
  const taken = new Set(def.steps.map((s) => s.id))
  let n = def.steps.length + 1
  while (taken.has(`${type}_${n}`)) n++
  const base = readStep({ id: `${type}_${n}`, type })
  if (type === 'menu') base.options = []
  if (type === 'condition') base.rules = []
  return base
}

export const isStepType = (x: string): x is StepType => (STEP_TYPES as readonly string[]).includes(x)

/**
 * Problems keyed by form field: 'steps.<id>.options.2.next' → 's<i>_o2_next', 'settings.x' →
 * 'set_x'; a step-level problem ('steps.<id>') → 's<i>'.
 */
export function problemsByField(def: FlowDefinition, problems: FlowProblem[]): Map<string, FlowProblem[]> {
  const out = new Map<string, FlowProblem[]>()
  const add = (field: string, p: FlowProblem) => out.set(field, [...(out.get(field) ?? []), p])
  for (const p of problems) {
    const parts = p.path.split('.')
    if (parts[0] === 'settings') add(`set_${parts[1]}`, p)
    else if (parts[0] === 'steps' && parts.length >= 2) {
      const ref = parts[1]
      const i = ref.startsWith('#') ? Number(ref.slice(1)) - 1 : def.steps.findIndex((s) => s.id === ref)
      if (i < 0) {
        add('steps', p)
        continue
      }
      const rest = parts.slice(2)
      if (rest.length === 0) add(`s${i}`, p)
      else if ((rest[0] === 'options' || rest[0] === 'rules') && rest.length === 3) add(`s${i}_${rest[0] === 'options' ? 'o' : 'r'}${rest[1]}_${rest[2]}`, p)
      else add(`s${i}_${rest[0]}`, p)
    } else add(parts[0], p)
  }
  return out
}
