// CSV import (dry run → report of rejected rows with reasons → import of the valid rows in one
// transaction → rejected-rows CSV) and CSV export (the list's search, streamed, 10,000 rows,
// permission and audit).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { write } from '../db/open'
import { isoDay } from '../reports/period'
import { Browser, seedUser, startTestServer, type TestServer } from '../../test/support/server'

let s: TestServer
let sup: Browser
let agent: Browser
let admin: Browser
let empresa: number

const count = () => s.ctx.db.query<{ n: number }, []>('SELECT count(*) AS n FROM customers').get()!.n
async function upload(b: Browser, content: string | Uint8Array<ArrayBuffer>, name = 'clientes.csv') {
  const form = new FormData()
  form.set('_csrf', await b.csrf('/customers/import'))
  form.set('file', new Blob([content], { type: 'text/csv' }), name)
  return b.fetch('/customers/import', { method: 'POST', body: form })
}

beforeAll(async () => {
  s = await startTestServer()
  await seedUser(s.ctx, { email: 'sup@example.com', profile: 'supervisor' })
  await seedUser(s.ctx, { email: 'agent@example.com', profile: 'agent' })
  await seedUser(s.ctx, { email: 'admin@example.com', profile: 'admin' })
  ;[sup, agent, admin] = [new Browser(s.url), new Browser(s.url), new Browser(s.url)]
  await sup.login('sup@example.com')
  await agent.login('agent@example.com')
  await admin.login('admin@example.com')
  empresa = write(s.ctx.db, () => {
    const type = s.ctx.stores.customers.types.create('Empresa')
    s.ctx.stores.customers.fields.create(type, { key: 'limite', label: 'Limite de crédito', kind: 'number', options: [], required: false })
    s.ctx.stores.customers.create({ name: 'Já Cadastrado', code: '11222333000181', code_type: 'cnpj', type_id: null, email: null, phone: null, notes: null })
    return type
  })
})
afterAll(() => s.stop())

describe('CSV import', () => {
  // Brazilian Excel: BOM, `;`, quoted cells with ; and line breaks, accented headers, a custom field column.
  const CSV =
    '\ufeffNome;Código;E-mail;Telefone;Tipo;Observações;limite;coluna_x\r\n' +
    'Maria Souza;529.982.247-25;maria@example.com;(83) 99999-0000;empresa;"obs; com ponto e vírgula";1.500,00;x\r\n' +
    'CPF Repetido;111.111.111-11;;;;;;\r\n' +
    'Maria de Novo;52998224725;;;;;;\r\n' +
    'Já Existe;11.222.333/0001-81;;;;;;\r\n' +
    ';12ABC34501DE35;;;;;;\r\n' +
    'E-mail Ruim;;joao@;;;;;\r\n' +
    'Tipo Errado;;;;Revenda;;;\r\n' +
    'Campo Ruim;;;;Empresa;;muito;\r\n' +
    '"Zé <script>alert(1)</script>";;;;;"linha 1\nlinha 2";;\r\n' +
    ';;;;;;;\r\n'

  let importId: number
  test('the dry run checks every row and writes nothing; the reasons are in Portuguese', async () => {
    const before = count()
    const res = await upload(sup, CSV)
    expect(res.status).toBe(303)
    importId = Number(/\/customers\/import\/(\d+)$/.exec(res.headers.get('location')!)![1])
    expect(count()).toBe(before)
    const html = await (await sup.fetch(`/customers/import/${importId}`)).text()
    expect(html).toContain('9 linha(s) no arquivo: 2 válida(s), 7 rejeitada(s).')
    expect(html).toContain('Colunas ignoradas: coluna_x')
    for (const reason of [
      'CPF inválido: os dígitos verificadores não conferem.',
      'CPF/CNPJ repetido no arquivo (já está na linha 2).',
      'Já existe um cliente com este CPF/CNPJ.',
      'Informe o nome do cliente (até 200 caracteres).',
      'Informe um e-mail válido, como nome@empresa.com.br.',
      'Tipo de cliente desconhecido: “Revenda”.',
      'Campo “Limite de crédito”: Informe um número, como 1500 ou 1.500,50.',
    ]) {
      expect(html).toContain(reason)
    }
    expect(html).toContain('Zé &lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('<script>alert(1)')
    expect(html).toContain('Importar 2 cliente(s)')
  })

  test('the rejected rows download as CSV: the file’s columns, the line and the reasons', async () => {
    const res = await sup.fetch(`/customers/import/${importId}/rejected.csv`)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const text = await res.text()
    const lines = text.replace(/^\ufeff/, '').trim().split('\r\n')
    expect(lines[0]).toBe('Nome,Código,E-mail,Telefone,Tipo,Observações,limite,coluna_x,linha,motivo')
    expect(lines.length).toBe(8)
    expect(lines[1]).toBe('CPF Repetido,111.111.111-11,,,,,,,3,CPF inválido: os dígitos verificadores não conferem. Confira o número digitado.')
  })

  test('another user cannot see it; the import writes the valid rows at once, audited; twice is refused', async () => {
    expect((await admin.fetch(`/customers/import/${importId}`)).status).toBe(404)
    expect((await admin.fetch(`/customers/import/${importId}/rejected.csv`)).status).toBe(404)
    const before = count()
    const csrf = await sup.csrf(`/customers/import/${importId}`)
    expect((await sup.post(`/customers/import/${importId}`, {})).status).toBe(403)
    const res = await sup.post(`/customers/import/${importId}`, { _csrf: csrf })
    expect(res.status).toBe(303)
    expect(count()).toBe(before + 2)
    const maria = s.ctx.stores.customers.byCode('52998224725')!
    expect(maria).toMatchObject({ name: 'Maria Souza', email: 'maria@example.com', phone: '83999990000', type_id: empresa, notes: 'obs; com ponto e vírgula' })
    expect([...s.ctx.stores.customers.fields.values(maria.id).values()]).toEqual(['1500'])
    const ze = s.ctx.db.query<{ notes: string }, []>("SELECT notes FROM customers WHERE name LIKE 'Zé%'").get()!
    expect(ze.notes).toBe('linha 1\nlinha 2')
    const done = await (await sup.fetch(`/customers/import/${importId}`)).text()
    expect(done).toContain('2 cliente(s) importado(s); 7 linha(s) rejeitada(s).')
    expect((await sup.post(`/customers/import/${importId}`, { _csrf: csrf })).status).toBe(409)
    expect(count()).toBe(before + 2)
    const audit = s.ctx.db.query<{ details: string }, []>("SELECT details FROM audit_log WHERE action = 'customer.import'").get()!
    expect(JSON.parse(audit.details)).toEqual({ imported: 2, rejected: 7 })
    // The file itself is not kept once imported (personal data); the report is.
    expect(s.ctx.stores.customers.imports.get(importId)!.body).toBe('')
    expect((await sup.fetch(`/customers/import/${importId}/rejected.csv`)).status).toBe(200)
  })

  test('a row that became a duplicate after the dry run is rejected at import time', async () => {
    const res = await upload(sup, 'nome,cpf\nAna,390.533.447-05\nBeto,\n')
    const id = Number(/(\d+)$/.exec(res.headers.get('location')!)![1])
    write(s.ctx.db, () => s.ctx.stores.customers.create({ name: 'Ana (outra)', code: '39053344705', code_type: 'cpf', type_id: null, email: null, phone: null, notes: null }))
    await sup.post(`/customers/import/${id}`, { _csrf: await sup.csrf('/customers/import') })
    const imp = s.ctx.stores.customers.imports.get(id)!
    expect(imp.imported).toBe(1)
    expect(imp.rejected.map((r) => r.reasons)).toEqual([['Já existe um cliente com este CPF/CNPJ.']])
  })

  test('Windows-1252 files and `,` separators are read; file-level problems are said on the form', async () => {
    // One byte per character: "ã" is 0xE3 in Windows-1252 (invalid as UTF-8).
    const latin1 = Uint8Array.from('nome,email\nJoão Grão,joao@example.com\n', (c) => c.charCodeAt(0))
    const res = await upload(sup, latin1)
    expect(res.status).toBe(303)
    expect(await (await sup.fetch(res.headers.get('location')!)).text()).toContain('João Grão')

    const noName = await upload(sup, 'codigo;email\n52998224725;a@b.com\n')
    expect(noName.status).toBe(422)
    expect(await noName.text()).toContain('Não encontramos a coluna do nome')
    const empty = await upload(sup, 'nome\n\n')
    expect(await empty.text()).toContain('O arquivo não tem linhas de dados abaixo do cabeçalho.')
    const big = await upload(sup, 'nome\n' + 'x'.repeat(5 * 1024 * 1024))
    expect(big.status).toBe(413)
    expect(await big.text()).toContain('O arquivo tem 5,0 MB; o limite é 5 MB. Divida-o em partes menores.')
    const binary = await upload(sup, new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]), 'planilha.xlsx')
    expect(await binary.text()).toContain('O arquivo não parece um CSV de texto em UTF-8.')
    const none = await sup.fetch('/customers/import', { method: 'POST', body: new FormData() })
    expect(none.status).toBe(403) // no CSRF token
  })

  test('an agent of the built-in profile may import (customers.create); a profile without it may not', async () => {
    expect((await agent.fetch('/customers/import')).status).toBe(200)
    const viewOnly = write(s.ctx.db, () => s.ctx.db.query<{ id: number }, []>(`INSERT INTO profiles (key, name, permissions, created_at, updated_at) VALUES (NULL, 'Consulta', '["customers.view"]', 0, 0) RETURNING id`).get()!.id)
    await seedUser(s.ctx, { email: 'vera@example.com', profile: String(viewOnly) })
    const vera = new Browser(s.url)
    await vera.login('vera@example.com')
    expect((await vera.fetch('/customers/import')).status).toBe(403)
  })
})

describe('CSV export', () => {
  test('10,000 customers stream out in chunks, with the type and the custom fields; formulas defused', async () => {
    const limite = s.ctx.stores.customers.fields.ofType(empresa)[0]
    write(s.ctx.db, () => {
      for (let i = 0; i < 10_000; i++) {
        const id = s.ctx.stores.customers.create({ name: i === 0 ? '=HYPERLINK("http://x")' : `Cliente ${i}`, code: null, code_type: null, type_id: i % 2 ? empresa : null, email: `c${i}@example.com`, phone: null, notes: null })
        if (i % 2) s.ctx.stores.customers.fields.setValue(id, limite.id, String(i))
      }
    })
    const total = count()
    const res = await admin.fetch('/customers/export.csv')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="clientes-${isoDay(Date.now(), s.ctx.config.timeZone)}.csv"`)
    const reader = res.body!.getReader()
    let chunks = 0
    let text = ''
    const decoder = new TextDecoder()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks++
      text += decoder.decode(value, { stream: true })
    }
    // Streamed: no length known up front, and more than one read (TCP may join the 21 pages).
    expect(res.headers.get('content-length')).toBeNull()
    expect(chunks).toBeGreaterThan(1)
    const lines = text.replace(/^\ufeff/, '').trimEnd().split('\r\n')
    expect(lines[0]).toBe('id,nome,codigo,tipo_codigo,tipo,email,telefone,notas,criado_em,atualizado_em,limite')
    expect(lines.length - 1).toBe(total)
    expect(lines.some((l) => /,Cliente 9999,,,Empresa,c9999@example\.com,,,[^,]+,[^,]+,9999$/.test(l))).toBe(true)
    expect(lines.find((l) => l.includes('HYPERLINK'))).toContain(`"'=HYPERLINK(""http://x"")"`)
  })

  test('the search filter applies; it is audited; it needs customers.export', async () => {
    const res = await admin.fetch('/customers/export.csv?q=Cliente%209999')
    const lines = (await res.text()).trimEnd().split('\r\n')
    expect(lines.length).toBe(2)
    expect(lines[1]).toContain('Cliente 9999')
    const audit = s.ctx.db.query<{ details: string }, []>("SELECT details FROM audit_log WHERE action = 'customer.export_csv' ORDER BY id").all()
    expect(audit.map((a) => JSON.parse(a.details))).toEqual([{ filtered: false }, { filtered: true }])
    expect((await agent.fetch('/customers/export.csv')).status).toBe(403)
    expect((await sup.fetch('/customers/export.csv')).status).toBe(403) // supervisors lack customers.export by default
    // The button is shown to who may use it.
    expect(await (await admin.fetch('/customers')).text()).toContain('formaction="/customers/export.csv"')
    expect(await (await agent.fetch('/customers')).text()).not.toContain('formaction="/customers/export.csv"')
  })
})
