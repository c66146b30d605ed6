// Código do cliente: a CPF (person, 11 digits) or a CNPJ (company, 14 characters: 12 alphanumeric
// then 2 check digits — the alphanumeric CNPJ). Typed in any common way ("529.982.247-25",
// "12.abc.345/01de-35", with spaces), stored normalised: no punctuation, upper case.
// Check digits (design §6): modulo 11 over character values (ASCII − 48, so '0'..'9' = 0..9 and
// 'A'..'Z' = 17..42), weights 5,4,3,2,9,8,7,6,5,4,3,2 then 6,5,4,3,2,9,8,7,6,5,4,3,2 for a CNPJ,
// 10..2 then 11..2 for a CPF; a remainder below 2 gives 0, otherwise 11 − remainder.
// A code is personal data: never log it at info level (see maskDocuments in src/logger.ts).

export type CodeType = 'cpf' | 'cnpj'
export type ParsedCode = { code: string; type: CodeType } | { error: 'invalid' }

/** Separators people type between the groups; anything else makes the code invalid. */
const SEPARATORS = /[\s.\-/\\_,\u2010-\u2015\u2212]/g
/** Longer than any punctuated code with generous spacing: refuse before doing any work. */
const MAX_INPUT = 40

const CPF = /^[0-9]{11}$/
const CNPJ = /^[0-9A-Z]{12}[0-9]{2}$/
const CNPJ_W1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
const CNPJ_W2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]

/** Strips separators and upper-cases (no validation): what a search by code compares with. */
export function normaliseCode(input: string): string {
  return input.replace(SEPARATORS, '').toUpperCase()
}

const value = (ch: string) => ch.charCodeAt(0) - 48
const digitFor = (sum: number) => {
  const r = sum % 11
  return r < 2 ? 0 : 11 - r
}

/** The two check digits of a CPF's first 9 digits. */
export function cpfCheckDigits(base: string): string {
  let s1 = 0
  for (let i = 0; i < 9; i++) s1 += value(base[i]) * (10 - i)
  const d1 = digitFor(s1)
  let s2 = d1 * 2
  for (let i = 0; i < 9; i++) s2 += value(base[i]) * (11 - i)
  return `${d1}${digitFor(s2)}`
}

/** The two check digits of a CNPJ's first 12 characters (numeric or alphanumeric). */
export function cnpjCheckDigits(base: string): string {
  let s1 = 0
  for (let i = 0; i < 12; i++) s1 += value(base[i]) * CNPJ_W1[i]
  const d1 = digitFor(s1)
  let s2 = d1 * CNPJ_W2[12]
  for (let i = 0; i < 12; i++) s2 += value(base[i]) * CNPJ_W2[i]
  return `${d1}${digitFor(s2)}`
}

/** Every character the same ("111.111.111-11", "00000000000000"): passes the arithmetic, never real. */
const repeated = (code: string) => /^(.)\1*$/.test(code)

export function parseCustomerCode(input: unknown): ParsedCode {
  if (typeof input !== 'string' || input.length > MAX_INPUT) return { error: 'invalid' }
  const code = normaliseCode(input)
  if (repeated(code)) return { error: 'invalid' }
  if (CPF.test(code)) return cpfCheckDigits(code) === code.slice(9) ? { code, type: 'cpf' } : { error: 'invalid' }
  if (CNPJ.test(code)) return cnpjCheckDigits(code) === code.slice(12) ? { code, type: 'cnpj' } : { error: 'invalid' }
  return { error: 'invalid' }
}

export const isValidCustomerCode = (input: unknown): boolean => !('error' in parseCustomerCode(input))

/**
 * For display: 000.000.000-00 (CPF) or XX.XXX.XXX/XXXX-XX (CNPJ). The type is taken from the
 * length when not given; anything that is not a normalised code of that length is returned as is.
 */
export function formatCode(code: string, type?: CodeType | null): string {
  const kind = type ?? (code.length === 11 ? 'cpf' : code.length === 14 ? 'cnpj' : null)
  if (kind === 'cpf' && CPF.test(code)) return `${code.slice(0, 3)}.${code.slice(3, 6)}.${code.slice(6, 9)}-${code.slice(9)}`
  if (kind === 'cnpj' && CNPJ.test(code)) return `${code.slice(0, 2)}.${code.slice(2, 5)}.${code.slice(5, 8)}/${code.slice(8, 12)}-${code.slice(12)}`
  return code
}
