// Customers CSV: how long the export of N customers takes (streamed, as the page serves it) and the
// import's dry run and import of a file of M rows (the limit is 20,000), on a real SQLite file.
//
//   node_modules/.bin/bun scripts/bench/customers-csv.ts            (N=50000, M=20000)
//   BENCH_CUSTOMERS=100000 BENCH_IMPORT_ROWS=20000 node_modules/.bin/bun scripts/bench/customers-csv.ts
//
// Prints one line per step and, last, one JSON line. The temp dir is removed at the end.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createUser } from '../../src/admin/users'
import { loadConfig } from '../../src/config'
import { createContext } from '../../src/context'
import { cpfCheckDigits } from '../../src/customers/code'
import { exportCustomersCsv } from '../../src/customers/export'
import { checkImport, previewImport, runImport } from '../../src/customers/import'
import { write } from '../../src/db/open'
import { createLogger } from '../../src/logger'

const N = Number(process.env.BENCH_CUSTOMERS ?? 50_000)
const M = Number(process.env.BENCH_IMPORT_ROWS ?? 20_000)
const dir = mkdtempSync(join(tmpdir(), 'kumquat-bench-customers-'))
try {
  const ctx = createContext(loadConfig({ KUMQUAT_DATA_DIR: dir, LOG_LEVEL: 'silent' }), createLogger('silent'))
  const user = await createUser(ctx, null, { name: 'Bench', email: 'bench@example.com', password: 'bench-password-1234', profile: 'admin', sector_ids: [] })
  const type = write(ctx.db, () => {
    const type = ctx.stores.customers.types.create('Empresa')
    ctx.stores.customers.fields.create(type, { key: 'limite', label: 'Limite', kind: 'number', options: [], required: false })
    return type
  })
  const field = ctx.stores.customers.fields.ofType(type)[0]
  const cpf = (i: number) => {
    const base = String(100_000_000 + i).slice(-9)
    return base + cpfCheckDigits(base)
  }
  write(ctx.db, () => {
    for (let i = 0; i < N; i++) {
      const id = ctx.stores.customers.create({ name: `Cliente ${i}`, code: cpf(i), code_type: 'cpf', type_id: i % 2 ? type : null, email: `c${i}@example.com`, phone: '83999990000', notes: null })
      if (i % 2) ctx.stores.customers.fields.setValue(id, field.id, String(i))
    }
  })

  let t = performance.now()
  const res = exportCustomersCsv(ctx, user, '', null)
  let bytes = 0
  const reader = res.body!.getReader()
  for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.length
  const exportMs = performance.now() - t
  console.log(`export: ${N} customers, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${exportMs.toFixed(0)} ms (${Math.round(N / (exportMs / 1000))} rows/s)`)

  const lines = ['nome;cpf;email;tipo;limite']
  for (let i = 0; i < M; i++) lines.push(`Novo ${i};${cpf(N + i)};n${i}@example.com;${i % 2 ? 'Empresa' : ''};${i % 2 ? '1.500,50' : ''}`)
  const csv = lines.join('\r\n')
  t = performance.now()
  const check = checkImport(ctx, csv, 'pt-BR')
  const dryMs = performance.now() - t
  console.log(`import dry run: ${M} rows (${(csv.length / 1024 / 1024).toFixed(1)} MB), ${check.valid.length} valid, in ${dryMs.toFixed(0)} ms`)
  const id = previewImport(ctx, user, 'bench.csv', new TextEncoder().encode(csv), 'pt-BR')
  t = performance.now()
  const done = runImport(ctx, user, ctx.stores.customers.imports.get(id)!, 'pt-BR', null)
  const importMs = performance.now() - t
  console.log(`import: ${done.imported} rows in one transaction (re-check included) in ${importMs.toFixed(0)} ms`)
  console.log(JSON.stringify({ customers: N, export_ms: Math.round(exportMs), export_mb: +(bytes / 1024 / 1024).toFixed(1), import_rows: M, dry_run_ms: Math.round(dryMs), import_ms: Math.round(importMs) }))
  ctx.db.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
