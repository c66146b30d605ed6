// A bot flow: a small graph of steps an admin edits in a page (no code). The definition is plain
// JSON — stored per version, exported and imported as is:
//
//   { name, start, settings: { human_keywords, skip_words, reminder_minutes, reminder_text,
//     abandon_minutes, abandon_text, invalid_option_text, list_button, skip_button,
//     fallback_sector_id }, steps: [ { id, type, ... } ] }
//
// Step types and their fields (an empty `*_next` of menu/ask means "to a human"):
// - message   text, next
// - menu      text, source 'options' (options[{ title, description?, value?, next }]) or 'sectors'
//             (sector_ids[], empty = every active sector; then next), var?, label?, max_attempts, fail_next?
// - ask       text, kind text|code|email|phone|date, var, label?, retry_text?, max_attempts,
//             skippable (skip_next), next, fail_next?
// - identify  var (a code collected by an ask of kind code), create, name_var?, next, not_found_next?
// - condition rules[{ if: has|equals|customer_found|customer_type|open|closed, var?, value?, sector_id?, next }], next (else)
// - handoff   sector_id? (null: the sector chosen in a sectors menu, else the fallback, else the channel's), text?
// - end       text? — closes the ticket as resolved by the bot
//
// Texts may use {nome}, {protocolo}, {setor}, {cliente} and any variable a step collects.
import type { MessageKey } from '../i18n'

export const STEP_TYPES = ['message', 'menu', 'ask', 'identify', 'condition', 'handoff', 'end'] as const
export type StepType = (typeof STEP_TYPES)[number]
export const ASK_KINDS = ['text', 'code', 'email', 'phone', 'date'] as const
export type AskKind = (typeof ASK_KINDS)[number]
export const RULE_KINDS = ['has', 'equals', 'customer_found', 'customer_type', 'open', 'closed'] as const
export type RuleKind = (typeof RULE_KINDS)[number]

export interface MenuOption {
  title: string
  description?: string
  value?: string
  next: string
}

export interface Rule {
  if: RuleKind
  var?: string
  value?: string
  sector_id?: number | null
  next: string
}

export interface Step {
  id: string
  type: StepType
  text?: string
  next?: string
  label?: string
  var?: string
  source?: 'options' | 'sectors'
  options?: MenuOption[]
  sector_ids?: number[]
  kind?: AskKind
  retry_text?: string
  skippable?: boolean
  skip_next?: string
  max_attempts?: number
  fail_next?: string
  create?: boolean
  name_var?: string
  not_found_next?: string
  rules?: Rule[]
  sector_id?: number | null
}

export interface FlowSettings {
  human_keywords: string[]
  skip_words: string[]
  /** 0 = no reminder */
  reminder_minutes: number
  reminder_text: string
  abandon_minutes: number
  abandon_text: string
  invalid_option_text: string
  /** the WhatsApp list's button label (≤ 20) */
  list_button: string
  /** the skip button of a skippable question (≤ 20) */
  skip_button: string
  fallback_sector_id: number | null
}

export interface FlowDefinition {
  name: string
  start: string
  settings: FlowSettings
  steps: Step[]
}

export interface FlowProblem {
  /** 'name', 'start', 'settings.<field>', 'steps.<step id>.<field>' (options.<i>.<field>, rules.<i>.<field>) or 'steps' */
  path: string
  key: MessageKey
  vars?: Record<string, string | number>
}

export const LIMITS = {
  name: 120,
  steps: 100,
  options: 50,
  rules: 20,
  text: 4096,
  prompt: 1024,
  title: 100,
  description: 72,
  keywords: 20,
  keyword: 40,
  /** Both timers must fire inside WhatsApp's 24-hour window (whatsapp.md §6). */
  minutes: 1380,
  attempts: 10,
} as const

export const STEP_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/
export const VAR_NAME = /^[a-z][a-z0-9_]{0,30}$/
/** Variables every text may use without a step collecting them. */
export const BUILTIN_VARS = ['nome', 'protocolo', 'setor', 'cliente'] as const
/** Steps that wait for the customer's answer. */
export const WAITS = new Set<StepType>(['menu', 'ask'])

// ---- reading untrusted JSON (imports, the API, stored versions) -----------------------------------

const str = (x: unknown): string | undefined => (typeof x === 'string' ? x.replace(/\r\n?/g, '\n').trim() : undefined)
const int = (x: unknown): number | undefined => (typeof x === 'number' && Number.isInteger(x) ? x : typeof x === 'string' && /^\d{1,9}$/.test(x.trim()) ? Number(x.trim()) : undefined)
const rec = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {})
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : [])
const words = (x: unknown): string[] =>
  (Array.isArray(x) ? x : typeof x === 'string' ? x.split(/[,\n]/) : [])
    .map((w) => (typeof w === 'string' ? w.trim() : ''))
    .filter(Boolean)
const optionalId = (x: unknown): number | null => int(x) ?? null

/**
 * Turns any JSON into a definition, keeping only the fields each step type uses (typed loosely:
 * strings trimmed, numbers from strings). Structural problems (not an object, too many steps) are
 * reported; everything else is left to validateFlow.
 */
export function readDefinition(raw: unknown): { def: FlowDefinition; problems: FlowProblem[] } {
  const problems: FlowProblem[] = []
  const r = rec(raw)
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) problems.push({ path: 'steps', key: 'bot.valid_document' })
  const s = rec(r.settings)
  const settings: FlowSettings = {
    human_keywords: words(s.human_keywords),
    skip_words: words(s.skip_words),
    reminder_minutes: int(s.reminder_minutes) ?? 0,
    reminder_text: str(s.reminder_text) ?? '',
    abandon_minutes: int(s.abandon_minutes) ?? 0,
    abandon_text: str(s.abandon_text) ?? '',
    invalid_option_text: str(s.invalid_option_text) ?? '',
    list_button: str(s.list_button) ?? '',
    skip_button: str(s.skip_button) ?? '',
    fallback_sector_id: optionalId(s.fallback_sector_id),
  }
  const rawSteps = list(r.steps)
  if (rawSteps.length > LIMITS.steps) problems.push({ path: 'steps', key: 'bot.valid_too_many_steps', vars: { max: LIMITS.steps } })
  const steps = rawSteps.slice(0, LIMITS.steps).map((x) => readStep(rec(x)))
  return { def: { name: str(r.name) ?? '', start: str(r.start) ?? '', settings, steps }, problems }
}

export function readStep(x: Record<string, unknown>): Step {
  const type = (STEP_TYPES as readonly string[]).includes(x.type as string) ? (x.type as StepType) : ('' as StepType)
  const step: Step = { id: str(x.id) ?? '', type }
  const text = str(x.text)
  const put = <K extends keyof Step>(k: K, v: Step[K] | undefined) => {
    if (v !== undefined && v !== '') step[k] = v
  }
  switch (type) {
    case 'message':
      put('text', text)
      put('next', str(x.next))
      break
    case 'menu':
      put('text', text)
      step.source = x.source === 'sectors' ? 'sectors' : 'options'
      if (step.source === 'options') {
        step.options = list(x.options)
          .slice(0, LIMITS.options + 1)
          .map((o) => {
            const or = rec(o)
            const opt: MenuOption = { title: str(or.title) ?? '', next: str(or.next) ?? '' }
            const d = str(or.description)
            const v = str(or.value)
            if (d) opt.description = d
            if (v) opt.value = v
            return opt
          })
      } else {
        step.sector_ids = list(x.sector_ids).map(int).filter((n): n is number => n !== undefined)
        put('next', str(x.next))
      }
      put('var', str(x.var))
      put('label', str(x.label))
      step.max_attempts = int(x.max_attempts) ?? 3
      put('fail_next', str(x.fail_next))
      break
    case 'ask':
      put('text', text)
      step.kind = (ASK_KINDS as readonly string[]).includes(x.kind as string) ? (x.kind as AskKind) : ('' as AskKind)
      put('var', str(x.var))
      put('label', str(x.label))
      put('retry_text', str(x.retry_text))
      step.max_attempts = int(x.max_attempts) ?? 3
      step.skippable = x.skippable === true || x.skippable === 'true' || x.skippable === '1'
      if (step.skippable) put('skip_next', str(x.skip_next))
      put('next', str(x.next))
      put('fail_next', str(x.fail_next))
      break
    case 'identify':
      put('var', str(x.var))
      step.create = x.create === true || x.create === 'true' || x.create === '1'
      put('name_var', str(x.name_var))
      put('next', str(x.next))
      put('not_found_next', str(x.not_found_next))
      break
    case 'condition':
      step.rules = list(x.rules)
        .slice(0, LIMITS.rules + 1)
        .map((o) => {
          const or = rec(o)
          const rule: Rule = { if: (RULE_KINDS as readonly string[]).includes(or.if as string) ? (or.if as RuleKind) : ('' as RuleKind), next: str(or.next) ?? '' }
          const v = str(or.var)
          const val = str(or.value)
          if (v) rule.var = v
          if (val) rule.value = val
          if (rule.if === 'open' || rule.if === 'closed') rule.sector_id = optionalId(or.sector_id)
          return rule
        })
      put('next', str(x.next))
      break
    case 'handoff':
      step.sector_id = optionalId(x.sector_id)
      put('text', text)
      break
    case 'end':
      put('text', text)
      break
  }
  return step
}

// ---- validation --------------------------------------------------------------------------------------

export interface FlowEnv {
  sectorExists(id: number): boolean
  customerTypeExists(id: number): boolean
}

const VAR_IN_TEXT = /\{(\w+)\}/g

/** Where a step goes: each field naming a next step, with its path. */
export function edgesOf(s: Step): { path: string; to: string; required: boolean }[] {
  const p = `steps.${s.id}`
  const out: { path: string; to: string; required: boolean }[] = []
  const add = (field: string, to: string | undefined, required: boolean) => out.push({ path: `${p}.${field}`, to: to ?? '', required })
  switch (s.type) {
    case 'message':
      add('next', s.next, true)
      break
    case 'menu':
      if (s.source === 'sectors') add('next', s.next, true)
      else (s.options ?? []).forEach((o, i) => add(`options.${i}.next`, o.next, true))
      add('fail_next', s.fail_next, false)
      break
    case 'ask':
      add('next', s.next, true)
      if (s.skippable) add('skip_next', s.skip_next, true)
      add('fail_next', s.fail_next, false)
      break
    case 'identify':
      add('next', s.next, true)
      add('not_found_next', s.not_found_next, false)
      break
    case 'condition':
      ;(s.rules ?? []).forEach((r, i) => add(`rules.${i}.next`, r.next, true))
      add('next', s.next, true)
      break
  }
  return out
}

/** A step with an exit to a human without a next step (menu/ask with no fail_next). */
const hasImplicitHuman = (s: Step) => (s.type === 'menu' || s.type === 'ask') && !s.fail_next

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()

/** Every problem of a definition: fields per step type, and the graph (every next exists, every step reachable and with a way out, no loop without a question). */
export function validateFlow(def: FlowDefinition, env: FlowEnv): FlowProblem[] {
  const problems: FlowProblem[] = []
  const push = (path: string, key: MessageKey, vars?: Record<string, string | number>) => problems.push({ path, key, vars })

  if (!def.name || def.name.length > LIMITS.name) push('name', 'bot.valid_name')

  // settings
  const s = def.settings
  if (s.human_keywords.length > LIMITS.keywords || s.human_keywords.some((w) => w.length > LIMITS.keyword)) push('settings.human_keywords', 'bot.valid_keywords')
  if (s.skip_words.length > LIMITS.keywords || s.skip_words.some((w) => w.length > LIMITS.keyword)) push('settings.skip_words', 'bot.valid_keywords')
  if (!Number.isInteger(s.reminder_minutes) || s.reminder_minutes < 0 || s.reminder_minutes > LIMITS.minutes) push('settings.reminder_minutes', 'bot.valid_minutes', { max: LIMITS.minutes })
  if (!Number.isInteger(s.abandon_minutes) || s.abandon_minutes < 1 || s.abandon_minutes > LIMITS.minutes) push('settings.abandon_minutes', 'bot.valid_minutes', { max: LIMITS.minutes })
  else if (s.reminder_minutes > 0 && s.reminder_minutes >= s.abandon_minutes) push('settings.reminder_minutes', 'bot.valid_reminder_before_abandon')
  if (s.reminder_minutes > 0 && !s.reminder_text) push('settings.reminder_text', 'bot.valid_text')
  if (!s.abandon_text) push('settings.abandon_text', 'bot.valid_text')
  for (const f of ['reminder_text', 'abandon_text', 'invalid_option_text'] as const) if (s[f].length > LIMITS.prompt) push(`settings.${f}`, 'bot.valid_text_long', { max: LIMITS.prompt })
  for (const f of ['list_button', 'skip_button'] as const) if (s[f].length > 20) push(`settings.${f}`, 'bot.valid_button', { max: 20 })
  if (s.fallback_sector_id !== null && !env.sectorExists(s.fallback_sector_id)) push('settings.fallback_sector_id', 'bot.valid_sector')

  // steps
  if (def.steps.length === 0) push('steps', 'bot.valid_no_steps')
  const byId = new Map<string, Step>()
  def.steps.forEach((st, i) => {
    const p = `steps.${st.id || `#${i + 1}`}`
    if (!STEP_ID.test(st.id)) push(`${p}.id`, 'bot.valid_step_id')
    else if (byId.has(st.id)) push(`${p}.id`, 'bot.valid_step_id_taken', { id: st.id })
    else byId.set(st.id, st)
  })
  if (!def.start) push('start', 'bot.valid_start')
  else if (!byId.has(def.start)) push('start', 'bot.valid_next_missing', { id: def.start })

  // Variables collected anywhere (texts may use them) and which ones hold a CPF/CNPJ.
  const collected = new Set<string>(BUILTIN_VARS)
  const codeVars = new Set<string>()
  for (const st of def.steps) {
    if ((st.type === 'ask' || st.type === 'menu') && st.var) collected.add(st.var)
    if (st.type === 'ask' && st.kind === 'code' && st.var) codeVars.add(st.var)
  }

  const checkText = (path: string, text: string | undefined, required: boolean, max: number) => {
    if (!text) {
      if (required) push(path, 'bot.valid_text')
      return
    }
    if (text.length > max) push(path, 'bot.valid_text_long', { max })
    for (const [, name] of text.matchAll(VAR_IN_TEXT)) if (!collected.has(name)) push(path, 'bot.valid_unknown_var', { name })
  }
  checkText('settings.reminder_text', s.reminder_text, false, LIMITS.prompt)
  checkText('settings.abandon_text', s.abandon_text, false, LIMITS.prompt)

  for (const st of def.steps) {
    const p = `steps.${st.id}`
    const attempts = () => {
      if (!Number.isInteger(st.max_attempts) || st.max_attempts! < 1 || st.max_attempts! > LIMITS.attempts) push(`${p}.max_attempts`, 'bot.valid_attempts', { max: LIMITS.attempts })
    }
    const varName = (field: 'var' | 'name_var', required: boolean) => {
      const v = st[field]
      if (!v) {
        if (required) push(`${p}.${field}`, 'bot.valid_var')
      } else if (!VAR_NAME.test(v) || (BUILTIN_VARS as readonly string[]).includes(v)) push(`${p}.${field}`, 'bot.valid_var')
    }
    switch (st.type) {
      case 'message':
        checkText(`${p}.text`, st.text, true, LIMITS.text)
        break
      case 'menu': {
        checkText(`${p}.text`, st.text, true, LIMITS.prompt)
        varName('var', false)
        attempts()
        if (st.source === 'sectors') {
          for (const id of st.sector_ids ?? []) if (!env.sectorExists(id)) push(`${p}.sector_ids`, 'bot.valid_sector')
        } else {
          const opts = st.options ?? []
          if (opts.length === 0) push(`${p}.options`, 'bot.valid_options')
          if (opts.length > LIMITS.options) push(`${p}.options`, 'bot.valid_too_many_options', { max: LIMITS.options })
          const seen = new Set<string>()
          opts.forEach((o, i) => {
            if (!o.title || o.title.length > LIMITS.title) push(`${p}.options.${i}.title`, 'bot.valid_option_title', { max: LIMITS.title })
            else if (seen.has(fold(o.title))) push(`${p}.options.${i}.title`, 'bot.valid_option_repeated')
            else seen.add(fold(o.title))
            if (o.description && o.description.length > LIMITS.description) push(`${p}.options.${i}.description`, 'bot.valid_text_long', { max: LIMITS.description })
            if (o.value && o.value.length > LIMITS.title) push(`${p}.options.${i}.value`, 'bot.valid_text_long', { max: LIMITS.title })
          })
        }
        if (st.label && st.label.length > 60) push(`${p}.label`, 'bot.valid_text_long', { max: 60 })
        break
      }
      case 'ask':
        checkText(`${p}.text`, st.text, true, LIMITS.prompt)
        checkText(`${p}.retry_text`, st.retry_text, false, LIMITS.prompt)
        if (!(ASK_KINDS as readonly string[]).includes(st.kind ?? '')) push(`${p}.kind`, 'bot.valid_kind')
        varName('var', true)
        attempts()
        if (st.label && st.label.length > 60) push(`${p}.label`, 'bot.valid_text_long', { max: 60 })
        break
      case 'identify':
        varName('var', true)
        if (st.var && VAR_NAME.test(st.var) && !codeVars.has(st.var)) push(`${p}.var`, 'bot.valid_identify_var')
        varName('name_var', false)
        break
      case 'condition':
        if ((st.rules ?? []).length > LIMITS.rules) push(`${p}.rules`, 'bot.valid_too_many_rules', { max: LIMITS.rules })
        ;(st.rules ?? []).forEach((r, i) => {
          const rp = `${p}.rules.${i}`
          if (!(RULE_KINDS as readonly string[]).includes(r.if)) push(`${rp}.if`, 'bot.valid_rule')
          if ((r.if === 'has' || r.if === 'equals') && (!r.var || !collected.has(r.var))) push(`${rp}.var`, 'bot.valid_rule_var')
          if (r.if === 'equals' && !r.value) push(`${rp}.value`, 'bot.valid_rule_value')
          if (r.if === 'customer_type' && (!r.value || !/^\d{1,9}$/.test(r.value) || !env.customerTypeExists(Number(r.value)))) push(`${rp}.value`, 'bot.valid_customer_type')
          if ((r.if === 'open' || r.if === 'closed') && r.sector_id !== null && r.sector_id !== undefined && !env.sectorExists(r.sector_id)) push(`${rp}.sector_id`, 'bot.valid_sector')
        })
        break
      case 'handoff':
        if (st.sector_id !== null && st.sector_id !== undefined && !env.sectorExists(st.sector_id)) push(`${p}.sector_id`, 'bot.valid_sector')
        checkText(`${p}.text`, st.text, false, LIMITS.text)
        break
      case 'end':
        checkText(`${p}.text`, st.text, false, LIMITS.text)
        break
      default:
        push(`${p}.type`, 'bot.valid_type')
    }
    for (const e of edgesOf(st)) {
      if (!e.to) {
        if (e.required) push(e.path, 'bot.valid_next_required')
      } else if (!byId.has(e.to)) push(e.path, 'bot.valid_next_missing', { id: e.to })
    }
  }
  // The graph checks need sound ids and edges; skip them while those are wrong.
  if (problems.some((x) => x.key === 'bot.valid_step_id' || x.key === 'bot.valid_step_id_taken' || x.path === 'start')) return problems
  problems.push(...graphProblems(def, byId))
  return problems
}

function graphProblems(def: FlowDefinition, byId: Map<string, Step>): FlowProblem[] {
  const problems: FlowProblem[] = []
  const next = (s: Step) => edgesOf(s).map((e) => e.to).filter((to) => byId.has(to))

  // Reachable from the start: a step nothing leads to is dangling.
  const reached = new Set<string>([def.start])
  const queue = [def.start]
  while (queue.length) for (const to of next(byId.get(queue.shift()!)!)) if (!reached.has(to)) reached.add(to), queue.push(to)
  for (const s of def.steps) if (!reached.has(s.id)) problems.push({ path: `steps.${s.id}`, key: 'bot.valid_unreachable', vars: { id: s.id } })

  // A way out (handoff, end, or a question's fallback to a human) from every reachable step.
  const exits = new Set<string>(def.steps.filter((s) => s.type === 'handoff' || s.type === 'end' || hasImplicitHuman(s)).map((s) => s.id))
  let grew = true
  while (grew) {
    grew = false
    for (const s of def.steps) if (!exits.has(s.id) && next(s).some((to) => exits.has(to))) exits.add(s.id), (grew = true)
  }
  for (const s of def.steps) if (reached.has(s.id) && !exits.has(s.id)) problems.push({ path: `steps.${s.id}`, key: 'bot.valid_no_exit', vars: { id: s.id } })

  // A loop through steps that never wait for the customer would spin forever.
  const quick = (s: Step) => !WAITS.has(s.type) && s.type !== 'handoff' && s.type !== 'end'
  const state = new Map<string, 1 | 2>()
  const looped = new Set<string>()
  const visit = (id: string, path: string[]) => {
    state.set(id, 1)
    for (const to of next(byId.get(id)!)) {
      const t = byId.get(to)!
      if (!quick(t)) continue
      if (state.get(to) === 1) path.slice(path.indexOf(to)).concat(id).forEach((x) => looped.add(x))
      else if (!state.has(to)) visit(to, [...path, id])
    }
    state.set(id, 2)
  }
  for (const s of def.steps) if (quick(s) && !state.has(s.id)) visit(s.id, [])
  for (const id of looped) problems.push({ path: `steps.${id}`, key: 'bot.valid_loop', vars: { id } })
  return problems
}

// ---- export / import ------------------------------------------------------------------------------

export const EXPORT_FORMAT = 'kumquat.bot_flow'

export interface SectorRef {
  id: number
  name: string
}

/**
 * The exported document: the definition plus sector names next to sector ids, so an import into
 * another installation can find its sectors by name.
 */
export function exportDocument(def: FlowDefinition, sectors: SectorRef[], meta: { version: number; exported_at: number }) {
  const name = (id: number | null | undefined) => (id === null || id === undefined ? undefined : sectors.find((s) => s.id === id)?.name)
  const steps = def.steps.map((s) => {
    const out: Record<string, unknown> = { ...s }
    if (s.type === 'handoff' && s.sector_id) out.sector_name = name(s.sector_id)
    if (s.type === 'menu' && s.source === 'sectors' && s.sector_ids?.length) out.sector_names = s.sector_ids.map((id) => name(id) ?? null)
    if (s.type === 'condition') out.rules = (s.rules ?? []).map((r) => (r.sector_id ? { ...r, sector_name: name(r.sector_id) } : r))
    return out
  })
  const settings: Record<string, unknown> = { ...def.settings }
  if (def.settings.fallback_sector_id) settings.fallback_sector_name = name(def.settings.fallback_sector_id)
  return { format: EXPORT_FORMAT, format_version: 1, version: meta.version, exported_at: new Date(meta.exported_at).toISOString(), flow: { name: def.name, start: def.start, settings, steps } }
}

/**
 * An imported document (the export above, or a bare definition) with sector references resolved
 * by name where a sector of that name exists here (ids are per installation).
 */
export function importDocument(raw: unknown, sectors: SectorRef[]): { def: FlowDefinition; problems: FlowProblem[] } {
  const doc = rec(raw)
  if (doc.format !== undefined && doc.format !== EXPORT_FORMAT) return { def: readDefinition({}).def, problems: [{ path: 'steps', key: 'bot.valid_document' }] }
  const flow = doc.format === EXPORT_FORMAT ? rec(doc.flow) : doc
  const byName = (n: unknown) => (typeof n === 'string' ? sectors.find((s) => fold(s.name) === fold(n))?.id : undefined)
  const steps = list(flow.steps).map((x) => {
    const s = { ...rec(x) }
    if (s.type === 'handoff' && s.sector_name !== undefined) s.sector_id = byName(s.sector_name) ?? s.sector_id
    if (s.type === 'menu' && Array.isArray(s.sector_names)) s.sector_ids = s.sector_names.map((n, i) => byName(n) ?? list(s.sector_ids)[i])
    if (s.type === 'condition') s.rules = list(s.rules).map((r) => {
      const rr = { ...rec(r) }
      if (rr.sector_name !== undefined) rr.sector_id = byName(rr.sector_name) ?? rr.sector_id
      return rr
    })
    return s
  })
  const settings = { ...rec(flow.settings) }
  if (settings.fallback_sector_name !== undefined) settings.fallback_sector_id = byName(settings.fallback_sector_name) ?? settings.fallback_sector_id
  return readDefinition({ ...flow, settings, steps })
}

/** The same definition, compared by content (a save without changes stores no new version). */
export const sameDefinition = (a: FlowDefinition, b: FlowDefinition) => JSON.stringify(a) === JSON.stringify(b)
