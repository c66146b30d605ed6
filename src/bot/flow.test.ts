// The flow model: validation of fields and of the graph (every next exists, every step reachable
// with a way out, no loop without a question), export/import with sectors by name, and answer
// matching ("2", "dois", titles), typed data.
import { describe, expect, test } from 'bun:test'
import { builtinFlow } from './default-flow'
import { exportDocument, importDocument, readDefinition, validateFlow, type FlowDefinition, type FlowEnv } from './flow'
import { isOneOf, matchOption, parseAnswer, saysAny, typedNumber } from './match'
import { menuForm, menuMessage } from './render'

const env: FlowEnv = { sectorExists: (id) => id === 1 || id === 2, customerTypeExists: (id) => id === 5 }
const base = (): FlowDefinition => ({
  name: 'F',
  start: 'a',
  settings: builtinFlow('pt-BR').settings,
  steps: [
    { id: 'a', type: 'message', text: 'Oi', next: 'm' },
    { id: 'm', type: 'menu', source: 'options', text: 'Escolha', max_attempts: 3, options: [{ title: 'Um', next: 'h' }, { title: 'Dois', next: 'e' }] },
    { id: 'h', type: 'handoff', sector_id: 1 },
    { id: 'e', type: 'end', text: 'Tchau' },
  ],
})
const keys = (def: FlowDefinition) => validateFlow(def, env).map((p) => `${p.path} ${p.key}`)

describe('validation', () => {
  test('the built-in flow and a simple one are valid', () => {
    expect(keys(builtinFlow('pt-BR'))).toEqual([])
    expect(keys(builtinFlow('en'))).toEqual([])
    expect(keys(base())).toEqual([])
  })

  test('every next must exist; required ones must be chosen', () => {
    const d = base()
    d.steps[0].next = 'nowhere'
    d.steps[1].options![1].next = ''
    expect(keys(d)).toContain('steps.a.next bot.valid_next_missing')
    expect(keys(d)).toContain('steps.m.options.1.next bot.valid_next_required')
    const s = base()
    s.start = 'zz'
    expect(keys(s)).toEqual(['start bot.valid_next_missing'])
  })

  test('dangling steps, steps without a way out, loops without a question', () => {
    const dangling = base()
    dangling.steps.push({ id: 'solta', type: 'end', text: 'x' })
    expect(keys(dangling)).toEqual(['steps.solta bot.valid_unreachable'])

    const trapped = base()
    // The menu's only options go back to the greeting and itself, and its failures too.
    trapped.steps[1].options = [{ title: 'Volta', next: 'a' }, { title: 'De novo', next: 'm' }]
    trapped.steps[1].fail_next = 'a'
    trapped.steps = trapped.steps.filter((x) => x.id === 'a' || x.id === 'm')
    expect(keys(trapped)).toEqual(['steps.a bot.valid_no_exit', 'steps.m bot.valid_no_exit'])
    // Without fail_next the menu has a way out (a person after the last attempt).
    delete trapped.steps[1].fail_next
    expect(keys(trapped)).toEqual([])

    const loop = base()
    loop.steps[0] = { id: 'a', type: 'condition', rules: [{ if: 'customer_found', next: 'b' }], next: 'm' }
    loop.steps.push({ id: 'b', type: 'message', text: 'x', next: 'a' })
    expect(keys(loop)).toEqual(['steps.a bot.valid_loop', 'steps.b bot.valid_loop'])
  })

  test('fields per type: texts, variables, kinds, sectors, customer types, ids, settings', () => {
    const d = base()
    d.name = ''
    d.steps[0].text = 'Olá {desconhecida}'
    d.steps.push({ id: 'Bad Id', type: 'end' })
    d.steps[2].sector_id = 99
    d.steps[1].options!.push({ title: 'um', next: 'h' })
    d.settings = { ...d.settings, reminder_minutes: 20, abandon_minutes: 10, list_button: 'x'.repeat(21) }
    const k = keys(d)
    expect(k).toContain('name bot.valid_name')
    expect(k).toContain('steps.a.text bot.valid_unknown_var')
    expect(k).toContain('steps.Bad Id.id bot.valid_step_id')
    expect(k).toContain('steps.h.sector_id bot.valid_sector')
    expect(k).toContain('steps.m.options.2.title bot.valid_option_repeated')
    expect(k).toContain('settings.reminder_minutes bot.valid_reminder_before_abandon')
    expect(k).toContain('settings.list_button bot.valid_button')

    const ask = base()
    ask.steps[0] = { id: 'a', type: 'ask', kind: 'code', var: 'nome', text: 'CPF?', max_attempts: 20, next: 'i' }
    ask.steps.push({ id: 'i', type: 'identify', var: 'outra', create: false, next: 'm' })
    ask.steps.push({ id: 'c', type: 'condition', rules: [{ if: 'customer_type', value: '9', next: 'h' }, { if: 'equals', var: 'x', next: 'h' }], next: 'e' })
    ask.steps[3] = { ...ask.steps[3] }
    ask.steps[1].options![1].next = 'c'
    const k2 = keys(ask)
    expect(k2).toContain('steps.a.var bot.valid_var') // a built-in name
    expect(k2).toContain('steps.a.max_attempts bot.valid_attempts')
    expect(k2).toContain('steps.i.var bot.valid_identify_var')
    expect(k2).toContain('steps.c.rules.0.value bot.valid_customer_type')
    expect(k2).toContain('steps.c.rules.1.var bot.valid_rule_var')
    expect(k2).toContain('steps.c.rules.1.value bot.valid_rule_value')
  })

  test('duplicate ids stop the graph checks (and are reported once)', () => {
    const d = base()
    d.steps.push({ id: 'a', type: 'end' })
    expect(keys(d)).toEqual(['steps.a.id bot.valid_step_id_taken'])
  })
})

describe('reading and export/import', () => {
  test('only the fields of each type are kept, strings trimmed, numbers read', () => {
    const { def } = readDefinition({
      name: '  N ',
      start: 'a',
      settings: { human_keywords: 'atendente, humano', reminder_minutes: '5', abandon_minutes: 15 },
      steps: [{ id: 'a', type: 'handoff', sector_id: '2', text: ' Até ', options: [{ title: 'x' }], next: 'b' }, { id: 'b', type: 'weird' }],
    })
    expect(def.name).toBe('N')
    expect(def.settings.human_keywords).toEqual(['atendente', 'humano'])
    expect(def.settings.reminder_minutes).toBe(5)
    expect(def.steps[0]).toEqual({ id: 'a', type: 'handoff', sector_id: 2, text: 'Até' })
    expect(def.steps[1].type).toBe('' as never)
  })

  test('an export imports back to the same definition; sectors are found by name elsewhere', () => {
    const def = base()
    def.steps[2].sector_id = 1
    def.settings = { ...def.settings, fallback_sector_id: 2 }
    const doc = exportDocument(def, [{ id: 1, name: 'Financeiro' }, { id: 2, name: 'Suporte' }], { version: 3, exported_at: 0 })
    expect(doc).toMatchObject({ format: 'kumquat.bot_flow', format_version: 1, version: 3 })
    expect((doc.flow.steps[2] as { sector_name: string }).sector_name).toBe('Financeiro')
    const json = JSON.parse(JSON.stringify(doc))
    const same = importDocument(json, [{ id: 1, name: 'Financeiro' }, { id: 2, name: 'Suporte' }])
    expect(same.problems).toEqual([])
    expect(same.def).toEqual(def)
    // Another installation: the same names with other ids.
    const elsewhere = importDocument(json, [{ id: 7, name: 'suporte' }, { id: 8, name: 'FINANCEIRO' }])
    expect(elsewhere.def.steps[2].sector_id).toBe(8)
    expect(elsewhere.def.settings.fallback_sector_id).toBe(7)
    expect(importDocument({ format: 'other' }, []).problems.map((p) => p.key)).toEqual(['bot.valid_document'])
  })
})

describe('answers', () => {
  const options = ['Financeiro', 'Suporte técnico', 'Segunda via de boleto', 'Falar com vendas'].map((title, i) => ({ id: `m:${i + 1}`, title }))
  const pick = (text: string | null, interactiveId: string | null = null) => matchOption(options, { text, interactiveId })

  test('numbers, number words, ordinals and emoji keycaps', () => {
    expect(typedNumber('2')).toBe(2)
    expect(typedNumber(' 2. ')).toBe(2)
    expect(typedNumber('opção 3')).toBe(3)
    expect(typedNumber('a número dois')).toBe(2)
    expect(typedNumber('Três')).toBe(3)
    expect(typedNumber('4️⃣')).toBe(4)
    expect(typedNumber('quero 2 e 3')).toBeNull()
    expect(pick('2')).toBe(1)
    expect(pick('dois')).toBe(1)
    expect(pick('QUATRO')).toBe(3)
    expect(pick('5')).toBeNull()
  })

  test('titles: exact (case and accents aside), a unique start, a title inside a sentence', () => {
    expect(pick('suporte tecnico')).toBe(1)
    expect(pick('Segunda via de boleto')).toBe(2)
    expect(pick('segunda via')).toBe(2) // not "2nd option"
    expect(pick('financ')).toBe(0)
    expect(pick('preciso falar com vendas por favor')).toBe(3) // the whole title inside a sentence
    expect(pick('preciso de vendas')).toBeNull() // "vendas" alone is not a title
    expect(pick('quero o financeiro')).toBe(0)
    expect(pick('banana')).toBeNull()
    expect(pick('', null)).toBeNull()
  })

  test('a tapped button or row wins (its id); a stale id falls back to its title', () => {
    expect(pick('Financeiro', 'm:3')).toBe(2)
    expect(pick('Suporte técnico', 'old:9')).toBe(1)
  })

  test('keywords as whole words; skip words as the whole answer', () => {
    expect(saysAny('Quero falar com um ATENDENTE!', ['atendente'])).toBe(true)
    expect(saysAny('atendentes', ['atendente'])).toBe(false)
    expect(saysAny('falar com humano', ['atendente', 'falar com humano'])).toBe(true)
    expect(isOneOf('Não tenho', ['nao tenho'])).toBe(true)
    expect(isOneOf('não tenho cpf aqui', ['nao tenho'])).toBe(false)
  })

  test('typed data by kind', () => {
    expect(parseAnswer('code', '529.982.247-25')).toEqual({ value: '52998224725', display: '529.982.247-25' })
    expect(parseAnswer('code', 'o cnpj é 12.ABC.345/01DE-35, obrigado')).toEqual({ value: '12ABC34501DE35', display: '12.ABC.345/01DE-35' })
    expect(parseAnswer('code', '12ABC34501DE36')).toBeNull()
    expect(parseAnswer('code', '11111111111')).toBeNull()
    expect(parseAnswer('email', 'Ana@Exemplo.COM')).toEqual({ value: 'ana@exemplo.com', display: 'ana@exemplo.com' })
    expect(parseAnswer('email', 'ana@exemplo')).toBeNull()
    expect(parseAnswer('phone', '+55 (83) 99999-0000')).toEqual({ value: '+5583999990000', display: '+55 (83) 99999-0000' })
    expect(parseAnswer('phone', '123')).toBeNull()
    expect(parseAnswer('date', '5/3/27')).toEqual({ value: '2027-03-05', display: '05/03/2027' })
    expect(parseAnswer('date', '2026-02-29')).toBeNull()
    expect(parseAnswer('text', '   ')).toBeNull()
  })
})

describe('rendering menus (whatsapp.md §4)', () => {
  const choices = (n: number, len = 6) => Array.from({ length: n }, (_, i) => ({ id: `m:${i + 1}`, title: `${'x'.repeat(len - 1)}${i}` }))
  test('buttons up to 3 (titles ≤ 20), a list up to 10 (titles ≤ 24), else numbered text', () => {
    expect(menuForm('b', choices(3), true)).toBe('buttons')
    expect(menuForm('b', choices(3, 21), true)).toBe('list')
    expect(menuForm('b', choices(4), true)).toBe('list')
    expect(menuForm('b', choices(10, 24), true)).toBe('list')
    expect(menuForm('b', choices(11), true)).toBe('text')
    expect(menuForm('b', choices(5, 25), true)).toBe('text')
    expect(menuForm('x'.repeat(1025), choices(2), true)).toBe('text')
    expect(menuForm('b', choices(2), false)).toBe('text')
    const list = menuMessage('Escolha', choices(4), { interactive: true, listButton: 'Ver opções', extra: {} })
    expect(list.extra?.interactive).toEqual({
      type: 'list',
      body: { text: 'Escolha' },
      action: { button: 'Ver opções', sections: [{ rows: choices(4).map((c) => ({ id: c.id, title: c.title })) }] },
    })
    expect(list.text).toBe(`Escolha\n\n${choices(4).map((c, i) => `${i + 1}. ${c.title}`).join('\n')}`)
  })
})
