// The template rules, parameters, phone numbers, opt-out words and the CSV reader, without a server.
import { describe, expect, test } from 'bun:test'
import { parseCsv } from './bulk'
import { componentsFromValues, emptyValues, formProblems } from './form'
import { prepareSend } from './send'
import type { Template } from './store'
import { brazilianVariants, fillVariables, isOptOut, normalisePhone, paramProblem, TEMPLATE_NAME, validateComponents, variablesOf } from './validation'

const fields = (components: unknown) => validateComponents(components).problems.map((p) => `${p.field}:${p.key}`)
const body = (text: string, examples?: string[]) => ({ type: 'BODY', text, ...(examples ? { example: { body_text: [examples] } } : {}) })

describe('template rules', () => {
  test('names: lowercase letters, digits and underscores, up to 512', () => {
    expect(TEMPLATE_NAME.test('aviso_boleto_2')).toBe(true)
    expect(TEMPLATE_NAME.test('Aviso')).toBe(false)
    expect(TEMPLATE_NAME.test('aviso-boleto')).toBe(false)
    expect(TEMPLATE_NAME.test('a'.repeat(512))).toBe(true)
    expect(TEMPLATE_NAME.test('a'.repeat(513))).toBe(false)
  })

  test('a valid template comes back clean, in Meta order, types upper case', () => {
    const { components, problems } = validateComponents([
      { type: 'buttons', buttons: [{ type: 'quick_reply', text: 'Sim' }, { type: 'QUICK_REPLY', text: 'Não' }, { type: 'URL', text: 'Ver boleto', url: 'https://loja.example/b/{{1}}', example: ['https://loja.example/b/123'] }] },
      { type: 'FOOTER', text: 'Loja Kumquat' },
      body('Olá {{1}}, seu boleto de {{2}} vence amanhã.', ['Maria', 'R$ 10,00']),
      { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}', example: { header_text: ['123'] } },
    ])
    expect(problems).toEqual([])
    expect(components.map((c) => c.type)).toEqual(['HEADER', 'BODY', 'FOOTER', 'BUTTONS'])
    expect(components[3]).toMatchObject({ buttons: [{ type: 'QUICK_REPLY' }, { type: 'QUICK_REPLY' }, { type: 'URL', example: ['https://loja.example/b/123'] }] })
  })

  test('every broken rule names its field', () => {
    expect(fields([])).toEqual(['components:templates.valid_components'])
    expect(fields([{ type: 'FOOTER', text: 'x' }])).toEqual(['components:templates.valid_body_required'])
    expect(fields([body('x'.repeat(1025))])).toEqual(['components[0].text:templates.valid_body_long'])
    expect(fields([body('Olá {{1}}, tudo bem?')])).toEqual(['components[0].example.body_text:templates.valid_body_examples'])
    expect(fields([body('Olá {{1}} e {{3}}.', ['a', 'b'])])).toEqual(['components[0].text:templates.valid_body_variables'])
    expect(fields([body('{{1}}, seu pedido saiu.', ['Maria'])])).toEqual(['components[0].text:templates.valid_body_edges'])
    expect(fields([body('Seu pedido saiu, {{1}}', ['Maria'])])).toEqual(['components[0].text:templates.valid_body_edges'])
    expect(fields([body('Seu pedido é {{1}}.', ['A\nB'])])).toEqual(['components[0].example.body_text:templates.valid_example_format'])
    expect(fields([{ type: 'HEADER', format: 'TEXT', text: 'x'.repeat(61) }, body('ok')])).toEqual(['components[0].text:templates.valid_header_long'])
    expect(fields([{ type: 'HEADER', format: 'TEXT', text: '{{1}} e {{2}}', example: { header_text: ['a'] } }, body('ok')])).toEqual(['components[0].text:templates.valid_header_variables'])
    expect(fields([{ type: 'HEADER', format: 'GIF' }, body('ok')])).toEqual(['components[0].format:templates.valid_header_format'])
    expect(fields([body('ok'), { type: 'FOOTER', text: 'y'.repeat(61) }])).toEqual(['components[1].text:templates.valid_footer_long'])
    const eleven = Array.from({ length: 11 }, (_, i) => ({ type: 'QUICK_REPLY', text: `B${i}` }))
    expect(fields([body('ok'), { type: 'BUTTONS', buttons: eleven }])).toEqual(['components[1].buttons:templates.valid_buttons_many'])
    expect(fields([body('ok'), { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'x'.repeat(26) }] }])).toEqual(['components[1].buttons[0].text:templates.valid_button_long'])
    expect(fields([body('ok'), { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Site', url: 'ftp://x' }] }])).toEqual(['components[1].buttons[0].url:templates.valid_button_url'])
    expect(fields([body('ok'), { type: 'BUTTONS', buttons: [{ type: 'PHONE_NUMBER', text: 'Ligar', phone_number: '12' }] }])).toEqual(['components[1].buttons[0].phone_number:templates.valid_button_phone'])
    expect(fields([body('ok'), { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'a' }, { type: 'URL', text: 'b', url: 'https://x.example' }, { type: 'QUICK_REPLY', text: 'c' }] }])).toEqual([
      'components[1].buttons:templates.valid_buttons_grouped',
    ])
    expect(fields([body('ok'), body('again')])).toEqual(['components[1].type:templates.valid_component_twice'])
  })

  test('characters are counted as people count them (an emoji is one)', () => {
    expect(fields([{ type: 'HEADER', format: 'TEXT', text: '🎉'.repeat(60) }, body('ok')])).toEqual([])
  })

  test('variables, in order of first appearance; filling them', () => {
    expect(variablesOf('{{2}} a {{1}} b {{2}}')).toEqual(['2', '1'])
    expect(fillVariables('Olá {{1}}, pedido {{2}}', ['Ana', '77'])).toBe('Olá Ana, pedido 77')
    expect(fillVariables('Olá {{1}}', [])).toBe('Olá {{1}}')
  })
})

describe('send parameters', () => {
  const tpl = (components: unknown[], extra: Partial<Template> = {}): Template => ({
    id: 1, channel_id: 1, external_id: '1', name: 'aviso', language: 'pt_BR', category: 'UTILITY', parameter_format: 'POSITIONAL', status: 'APPROVED', status_at: 0,
    components, reply_sector_id: null, rejected_reason: null, quality_score: null, created_by: null, synced_at: null, created_at: 0, updated_at: 0, ...extra,
  })
  const fieldsOf = (fn: () => unknown) => {
    try {
      fn()
    } catch (e) {
      return (e as { details?: { field: string }[]; code: string }).details?.map((d) => d.field).concat((e as { code: string }).code)
    }
    return null
  }

  test('no newline, tab, or more than 4 spaces in a row; not empty', () => {
    expect(paramProblem('Maria    Silva')).toBeNull()
    expect(paramProblem('Maria     Silva')).toBe('templates.param_format')
    expect(paramProblem('a\tb')).toBe('templates.param_format')
    expect(paramProblem('a\nb')).toBe('templates.param_format')
    expect(paramProblem('  ')).toBe('templates.param_empty')
  })

  test('the Graph template object, with header, body and URL button parameters', () => {
    const p = prepareSend(
      tpl([
        { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}' },
        { type: 'BODY', text: 'Olá {{1}}, total {{2}}.' },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Ok' }, { type: 'URL', text: 'Ver', url: 'https://x.example/{{1}}' }] },
      ]),
      { params: ['Ana', 10], header_params: ['77'], button_params: ['abc'] },
    )
    expect(p.graph).toEqual({
      name: 'aviso',
      language: { code: 'pt_BR' },
      components: [
        { type: 'header', parameters: [{ type: 'text', text: '77' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '10' }] },
        { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'abc' }] },
      ],
    })
    expect(p.preview).toBe('Olá Ana, total 10.')
  })

  test('wrong counts and formats answer 400 naming the field', () => {
    const t1 = tpl([{ type: 'BODY', text: 'Olá {{1}}, total {{2}}.' }])
    expect(fieldsOf(() => prepareSend(t1, { params: ['Ana'] }))).toEqual(['template.params', 'template_params_mismatch'])
    expect(fieldsOf(() => prepareSend(t1, { params: ['Ana', 'a\nb'] }))).toEqual(['template.params[1]', 'validation_failed'])
    expect(fieldsOf(() => prepareSend(t1, { params: ['Ana', { x: 1 }] }))).toEqual(['template.params[1]', 'validation_failed'])
    const doc = tpl([{ type: 'HEADER', format: 'DOCUMENT' }, { type: 'BODY', text: 'Segue o boleto.' }])
    expect(fieldsOf(() => prepareSend(doc, {}))).toEqual(['template.header_media', 'validation_failed'])
    expect(prepareSend(doc, { header_media: { link: 'https://x.example/b.pdf' } }).graph.components).toEqual([{ type: 'header', parameters: [{ type: 'document', document: { link: 'https://x.example/b.pdf' } }] }])
  })

  test('named-parameter templates (synchronised from Meta) send parameter names', () => {
    const p = prepareSend(tpl([{ type: 'BODY', text: 'Olá {{first_name}}!' }], { parameter_format: 'NAMED' }), { params: ['Ana'] })
    expect(p.graph.components).toEqual([{ type: 'body', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Ana' }] }])
  })
})

describe('phone numbers', () => {
  test('as people type them → E.164 digits (Brazil by default)', () => {
    expect(normalisePhone('+55 (83) 98888-7777')).toBe('5583988887777')
    expect(normalisePhone('83 98888-7777')).toBe('5583988887777')
    expect(normalisePhone('(83) 8888-7777')).toBe('558388887777')
    expect(normalisePhone('5583988887777')).toBe('5583988887777')
    expect(normalisePhone('+1 415 555 0100')).toBe('14155550100')
    expect(normalisePhone('0800 123 4567')).toBeNull()
    expect(normalisePhone('abc')).toBeNull()
    expect(normalisePhone('123')).toBeNull()
  })

  test('a Brazilian mobile with and without the 9th digit', () => {
    expect(brazilianVariants('5583988887777')).toEqual(['5583988887777', '558388887777'])
    expect(brazilianVariants('558388887777')).toEqual(['558388887777', '5583988887777'])
    expect(brazilianVariants('558332221111')).toEqual(['558332221111']) // landline
    expect(brazilianVariants('14155550100')).toEqual(['14155550100'])
  })
})

describe('opt-out words', () => {
  test('whole message, case and accents ignored', () => {
    for (const yes of ['parar', 'PARAR', ' Parar! ', 'sair', 'Sáir.', 'SAIR', 'pare', 'stop']) expect({ yes, out: isOptOut(yes) }).toEqual({ yes, out: true })
    for (const no of ['quero sair do plano?', 'não pare', 'parar de pagar', '', null]) expect({ no, out: isOptOut(no) }).toEqual({ no, out: false })
  })
})

describe('CSV', () => {
  test('commas or semicolons, quotes, CRLF, BOM', () => {
    expect(parseCsv('\uFEFFtelefone;nome\r\n+5583988887777;"Silva; Ana"\r\n')).toEqual([
      ['telefone', 'nome'],
      ['+5583988887777', 'Silva; Ana'],
    ])
    expect(parseCsv('a,"b ""c""",d\n1,2,3')).toEqual([
      ['a', 'b "c"', 'd'],
      ['1', '2', '3'],
    ])
    expect(parseCsv('x\ny')).toEqual([['x'], ['y']])
  })
})

describe('editor form', () => {
  test('fields become components; component problems come back to their fields', () => {
    const values = { ...emptyValues(1), name: 'x', body: '{{1}} chegou', body_examples: '', header_format: 'TEXT' as const, header_text: '', buttons: [{ type: 'URL' as const, text: 'Ver', value: 'nope', example: '' }] }
    const layout = componentsFromValues(values)
    const { problems } = validateComponents(layout.components)
    expect(formProblems(problems, layout)).toEqual({
      header_text: 'templates.valid_header_text',
      body: 'templates.valid_body_edges',
      body_examples: 'templates.valid_body_examples',
      button_value_0: 'templates.valid_button_url',
    })
  })
})
