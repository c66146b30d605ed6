// The functions the agent workspace uses: expandQuickReply, quickRepliesFor, searchCustomers,
// createCustomer (the protocol form), and the classifications offered when closing.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { write } from '../db/open'
import { saveClassification } from '../desk/classifications-store'
import { expandQuickReply, quickRepliesFor, saveQuickReply, shortcutPrefix, unknownVariables } from '../desk/quick-replies'
import { HttpError } from '../http/errors'
import { seedUser, startTestServer, type TestServer } from '../../test/support/server'
import { createCustomer, formatPhone, normalisePhone, searchCustomers, updateCustomer } from './customers'

describe('expandQuickReply', () => {
  const vars = { cliente: 'Maria', protocolo: '20261125000123', atendente: 'Gil' }

  test('replaces the three variables, any case, spaces inside the braces', () => {
    expect(expandQuickReply('Olá {cliente}, protocolo {protocolo}. Sou {atendente}.', vars)).toBe('Olá Maria, protocolo 20261125000123. Sou Gil.')
    expect(expandQuickReply('{Cliente} {CLIENTE} { cliente }', vars)).toBe('Maria Maria Maria')
  })

  test('a missing value becomes empty text; other braces stay as typed', () => {
    expect(expandQuickReply('Olá {cliente}!', {})).toBe('Olá !')
    expect(expandQuickReply('Olá {cliente}!', { cliente: null })).toBe('Olá !')
    expect(expandQuickReply('{nome} {{cliente}} {cliente', vars)).toBe('{nome} {Maria} {cliente')
  })

  test('one pass: a value holding a variable is not expanded again; values are inserted literally ($&, $1)', () => {
    expect(expandQuickReply('{cliente} / {protocolo}', { cliente: '{protocolo}', protocolo: '1' })).toBe('{protocolo} / 1')
    expect(expandQuickReply('{cliente}', { cliente: "$& $1 $$ $'" })).toBe("$& $1 $$ $'")
  })

  test('property: text without braces is unchanged; the result never holds a known variable not in the values', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        if (!text.includes('{')) expect(expandQuickReply(text, vars)).toBe(text)
        // Digits, so a value cannot spell a variable with the text around it ("{{atendente}liente}"
        // with atendente = "C" would give "{Cliente}", which is right, not a second expansion).
        const safeVars = { cliente: '1', protocolo: '2', atendente: '3' }
        expect(expandQuickReply(text, safeVars)).not.toMatch(/\{\s*(cliente|protocolo|atendente)\s*\}/i)
      }),
    )
  })

  test('unknownVariables and shortcutPrefix', () => {
    expect(unknownVariables('Olá {cliente} {nome} {Nome} {nome}')).toEqual(['{nome}', '{Nome}'])
    expect(shortcutPrefix('/Sau')).toBe('sau')
    expect(shortcutPrefix('')).toBe('')
    expect(shortcutPrefix('/a b')).toBeNull()
    expect(shortcutPrefix('%')).toBeNull()
  })
})

describe('phones', () => {
  test('stored as digits (with + when typed), shown the Brazilian way, round-trip', () => {
    expect(normalisePhone('+55 (83) 99999-0000')).toBe('+5583999990000')
    expect(normalisePhone('(83) 3222.1111')).toBe('8332221111')
    expect(normalisePhone('1234567')).toBeNull()
    expect(normalisePhone('83 9999-000a')).toBeNull()
    expect(normalisePhone('+1 415 555 0100 1234 5')).toBeNull()
    for (const [stored, shown] of [
      ['83999990000', '(83) 99999-0000'],
      ['+5583999990000', '+55 (83) 99999-0000'],
      ['8332221111', '(83) 3222-1111'],
      ['+14155550100', '+14155550100'],
    ]) {
      expect(formatPhone(stored)).toBe(shown)
      expect(normalisePhone(shown)).toBe(stored)
    }
  })
})

describe('with a database', () => {
  let s: TestServer
  let sectorA: number
  let sectorB: number

  beforeAll(async () => {
    s = await startTestServer()
    const sector = (name: string) =>
      write(s.ctx.db, () => s.ctx.stores.sectors.create({ name, routing: 'auto', offer_timeout_s: 30, business_hours_id: null, survey: 'none', require_classification: false }))
    sectorA = sector('Vendas')
    sectorB = sector('Suporte')
  })
  afterAll(() => s.stop())

  test('quickRepliesFor: global + my sectors + my personal ones, personal first, filtered by the typed prefix', async () => {
    const { user: sup } = await seedUser(s.ctx, { email: 'sup@example.com', profile: 'supervisor', password: '' })
    const { user: ana } = await seedUser(s.ctx, { email: 'ana@example.com', profile: 'agent', sector_ids: [sectorA], password: '' })
    const { user: bia } = await seedUser(s.ctx, { email: 'bia@example.com', profile: 'agent', sector_ids: [sectorB], password: '' })
    saveQuickReply(s.ctx, sup, { shortcut: 'saudacao', text: 'Olá! (todos)', scope: 'global' }, null, null)
    saveQuickReply(s.ctx, sup, { shortcut: 'saudacao', text: 'Olá! (vendas)', scope: 'sector', sector_id: sectorA }, null, null)
    saveQuickReply(s.ctx, sup, { shortcut: 'saudacao', text: 'Olá! (suporte)', scope: 'sector', sector_id: sectorB }, null, null)
    saveQuickReply(s.ctx, sup, { shortcut: 'encerrar', text: 'Até logo', scope: 'global' }, null, null)
    saveQuickReply(s.ctx, ana, { shortcut: 'sau_minha', text: 'Oi, {cliente}!' }, null, null)
    saveQuickReply(s.ctx, bia, { shortcut: 'sau_bia', text: 'Da Bia' }, null, null)

    expect(quickRepliesFor(s.ctx, ana, '/sau').map((q) => q.text)).toEqual(['Oi, {cliente}!', 'Olá! (vendas)', 'Olá! (todos)'])
    expect(quickRepliesFor(s.ctx, ana, '').map((q) => q.shortcut)).toEqual(['sau_minha', 'saudacao', 'encerrar', 'saudacao'])
    expect(quickRepliesFor(s.ctx, bia, 'SAU').map((q) => q.text)).toEqual(['Da Bia', 'Olá! (suporte)', 'Olá! (todos)'])
    // A supervisor in no sector sees only the global ones in the picker (the management list shows every sector's).
    expect(quickRepliesFor(s.ctx, sup, 'sau').map((q) => q.text)).toEqual(['Olá! (todos)'])
    expect(quickRepliesFor(s.ctx, ana, 'sau_').map((q) => q.shortcut)).toEqual(['sau_minha']) // _ is literal, not a wildcard
    expect(quickRepliesFor(s.ctx, ana, 'x y')).toEqual([])
    expect(quickRepliesFor(s.ctx, ana, '', 2)).toHaveLength(2)
  })

  test('createCustomer / searchCustomers: by name (prefix first), by code with or without punctuation, e-mail, phone', () => {
    const maria = createCustomer(s.ctx, null, { name: 'Maria Souza', code: '529.982.247-25', email: 'maria@example.com', phone: '(83) 98888-7777' })
    createCustomer(s.ctx, null, { name: 'Ana Maria Lima' })
    const alfa = createCustomer(s.ctx, null, { name: 'Alfa Comércio', code: '12ABC34501DE35' })
    const names = (q: string) => searchCustomers(s.ctx, q, 10).map((c) => c.name)
    expect(names('maria')).toEqual(['Maria Souza', 'Ana Maria Lima'])
    expect(names('MARIA S')).toEqual(['Maria Souza'])
    expect(names('52998224725')).toEqual(['Maria Souza'])
    expect(names('529.982.247-25')).toEqual(['Maria Souza'])
    expect(names('529.982')).toEqual(['Maria Souza'])
    expect(names('12.abc.345/01de-35')).toEqual(['Alfa Comércio'])
    expect(names('maria@example')).toEqual(['Maria Souza'])
    expect(names('98888 7777')).toEqual(['Maria Souza'])
    expect(names('')).toEqual([])
    expect(names('%')).toEqual([])
    expect(searchCustomers(s.ctx, 'a', 1)).toHaveLength(1)
    expect(maria.phone).toBe('83988887777')
    expect(alfa.code_type).toBe('cnpj')
  })

  test('createCustomer refuses an invalid code (400, field code) and a taken one (409 customer_exists)', () => {
    const error = (fn: () => unknown) => {
      try {
        fn()
      } catch (e) {
        return e as HttpError
      }
      throw new Error('no error')
    }
    const invalid = error(() => createCustomer(s.ctx, null, { name: 'X', code: '12ABC34501DE36' }))
    expect(invalid.status).toBe(400)
    expect(invalid.details).toEqual([{ field: 'code', key: 'customers.valid_cnpj' }])
    const taken = error(() => createCustomer(s.ctx, null, { name: 'X', code: '52998224725' }))
    expect(taken.status).toBe(409)
    expect(taken.code).toBe('customer_exists')
    const other = createCustomer(s.ctx, null, { name: 'Y' })
    expect(error(() => updateCustomer(s.ctx, null, other, { code: '529 982 247 25' })).status).toBe(409)
  })

  test('classifications offered when closing: the active global ones and the sector’s own', async () => {
    const { user: admin } = await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin', password: '' })
    saveClassification(s.ctx, admin.id, { name: 'Resolvido' }, null, null)
    saveClassification(s.ctx, admin.id, { name: 'Venda', sector_id: sectorA }, null, null)
    const old = saveClassification(s.ctx, admin.id, { name: 'Antiga', sector_id: sectorA }, null, null)
    saveClassification(s.ctx, admin.id, { name: 'Reembolso', sector_id: sectorB }, null, null)
    saveClassification(s.ctx, admin.id, { active: false }, old, null)
    expect(s.ctx.stores.classifications.activeFor(sectorA).map((c) => c.name)).toEqual(['Resolvido', 'Venda'])
    expect(s.ctx.stores.classifications.activeFor(sectorB).map((c) => c.name)).toEqual(['Reembolso', 'Resolvido'])
    expect(s.ctx.stores.classifications.activeFor(null).map((c) => c.name)).toEqual(['Resolvido'])
  })
})
