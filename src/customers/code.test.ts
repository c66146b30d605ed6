// CPF / CNPJ: the design's examples, the ways people type them, and properties over random valid
// numbers built by an independent implementation of the check digits (written here, differently).
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { cnpjCheckDigits, cpfCheckDigits, formatCode, isValidCustomerCode, normaliseCode, parseCustomerCode } from './code'

// ---- reference implementation (independent of code.ts) -----------------------------------------

/** Classic CPF digit: (Σ digit × weight) × 10 mod 11, with 10 → 0. */
function refCpf(base9: string): string {
  const digits = base9.split('').map(Number)
  const dv = (ds: number[]) => {
    const sum = ds.reduce((acc, d, i) => acc + d * (ds.length + 1 - i), 0)
    return ((sum * 10) % 11) % 10
  }
  const d1 = dv(digits)
  const d2 = dv([...digits, d1])
  return base9 + d1 + d2
}

/** CNPJ digit: weights 2..9 cycling from the right; value = ASCII − 48; r < 2 → 0 else 11 − r. */
function refCnpj(base12: string): string {
  const dv = (s: string) => {
    let sum = 0
    for (let i = s.length - 1, w = 2; i >= 0; i--, w = w === 9 ? 2 : w + 1) sum += (s.charCodeAt(i) - 48) * w
    const r = sum % 11
    return r < 2 ? 0 : 11 - r
  }
  const d1 = dv(base12)
  const d2 = dv(base12 + d1)
  return `${base12}${d1}${d2}`
}

const DIGITS = '0123456789'.split('')
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('')
const notRepeated = (s: string) => !/^(.)\1*$/.test(s)

const validCpf = fc
  .array(fc.constantFrom(...DIGITS), { minLength: 9, maxLength: 9 })
  .map((a) => refCpf(a.join('')))
  .filter(notRepeated)
const numericCnpj = fc
  .array(fc.constantFrom(...DIGITS), { minLength: 12, maxLength: 12 })
  .map((a) => refCnpj(a.join('')))
  .filter(notRepeated)
const alnumCnpj = fc
  .array(fc.constantFrom(...ALNUM), { minLength: 12, maxLength: 12 })
  .map((a) => refCnpj(a.join('')))
  .filter(notRepeated)
const anyValid = fc.oneof(
  validCpf.map((code) => ({ code, type: 'cpf' as const })),
  numericCnpj.map((code) => ({ code, type: 'cnpj' as const })),
  alnumCnpj.map((code) => ({ code, type: 'cnpj' as const })),
)

/** The ways people type a code: formatted, lower case, with spaces around or between groups. */
function typed(code: string, style: number): string {
  const formatted = formatCode(code)
  switch (style % 5) {
    case 0:
      return code
    case 1:
      return formatted
    case 2:
      return formatted.toLowerCase()
    case 3:
      return `  ${formatted.replace(/[./-]/g, ' ')} `
    default:
      return code.toLowerCase().replace(/(.{3})/g, '$1-')
  }
}

describe('the design examples', () => {
  test('valid and invalid CNPJ, numeric and alphanumeric', () => {
    expect(parseCustomerCode('12ABC34501DE35')).toEqual({ code: '12ABC34501DE35', type: 'cnpj' })
    expect(parseCustomerCode('11222333000181')).toEqual({ code: '11222333000181', type: 'cnpj' })
    expect(parseCustomerCode('12ABC34501DE36')).toEqual({ error: 'invalid' })
  })

  test('valid and invalid CPF', () => {
    expect(parseCustomerCode('52998224725')).toEqual({ code: '52998224725', type: 'cpf' })
    expect(parseCustomerCode('11111111111')).toEqual({ error: 'invalid' })
  })

  test('the reference implementation agrees with the examples (so the properties below test something real)', () => {
    expect(refCnpj('12ABC34501DE')).toBe('12ABC34501DE35')
    expect(refCnpj('112223330001')).toBe('11222333000181')
    expect(refCpf('529982247')).toBe('52998224725')
    expect(cnpjCheckDigits('12ABC34501DE')).toBe('35')
    expect(cpfCheckDigits('529982247')).toBe('25')
  })
})

describe('parseCustomerCode', () => {
  test('accepts punctuation, spaces and lower case; stores upper case without punctuation', () => {
    for (const input of ['529.982.247-25', ' 529 982 247 25 ', '529982247-25', '529.982.247–25']) {
      expect(parseCustomerCode(input)).toEqual({ code: '52998224725', type: 'cpf' })
    }
    for (const input of ['12.ABC.345/01DE-35', '12.abc.345/01de-35', '12abc34501de35', '12 ABC 345 01DE 35']) {
      expect(parseCustomerCode(input)).toEqual({ code: '12ABC34501DE35', type: 'cnpj' })
    }
    expect(parseCustomerCode('11.222.333/0001-81')).toEqual({ code: '11222333000181', type: 'cnpj' })
  })

  test('refuses repeated characters, whatever the check digits say', () => {
    for (const d of DIGITS) {
      expect(parseCustomerCode(d.repeat(11))).toEqual({ error: 'invalid' })
      expect(parseCustomerCode(d.repeat(14))).toEqual({ error: 'invalid' })
    }
    expect(parseCustomerCode('000.000.000-00')).toEqual({ error: 'invalid' })
    expect(parseCustomerCode('00.000.000/0000-00')).toEqual({ error: 'invalid' })
  })

  test('refuses wrong lengths, letters in a CPF or in CNPJ check digits, other symbols, non-strings', () => {
    for (const bad of ['', ' ', '5299822472', '529982247255', '1122233300018', '112223330001811', '5299822472A', '12ABC34501DE3A', '12ABC34501DEX5', '529*982*247*25', '529.982.247-25!', '12ÀBC34501DE35', '５２９９８２２４７２５']) {
      expect({ bad, r: parseCustomerCode(bad) }).toEqual({ bad, r: { error: 'invalid' } })
    }
    for (const bad of [null, undefined, 52998224725, {}, ['52998224725']]) expect(parseCustomerCode(bad)).toEqual({ error: 'invalid' })
    expect(parseCustomerCode(`${'5'.repeat(30)}52998224725`)).toEqual({ error: 'invalid' })
    expect(parseCustomerCode(' '.repeat(100) + '52998224725')).toEqual({ error: 'invalid' }) // longer than any typed code
  })

  test('property: every valid code, typed in any common way, parses to its normalised form and type', () => {
    fc.assert(
      fc.property(anyValid, fc.nat(), ({ code, type }, style) => {
        expect(parseCustomerCode(typed(code, style))).toEqual({ code, type })
        expect(isValidCustomerCode(code)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  test('property: a wrong check digit is always refused', () => {
    fc.assert(
      fc.property(anyValid, fc.integer({ min: 1, max: 9 }), fc.boolean(), ({ code }, delta, first) => {
        const at = code.length - (first ? 2 : 1)
        const wrong = code.slice(0, at) + String((Number(code[at]) + delta) % 10) + code.slice(at + 1)
        expect(parseCustomerCode(wrong)).toEqual({ error: 'invalid' })
      }),
      { numRuns: 2000 },
    )
  })

  test('property: near misses (one character of a valid code changed) are judged exactly like the reference', () => {
    // Mod 11 does not catch every single-digit change (a remainder of 0 or 1 both give 0), so this
    // compares with the reference instead of expecting a refusal.
    fc.assert(
      fc.property(anyValid, fc.nat(), fc.constantFrom(...ALNUM), ({ code }, pos, ch) => {
        const at = pos % code.length
        const changed = code.slice(0, at) + ch + code.slice(at + 1)
        const expected =
          notRepeated(changed) &&
          (code.length === 11 ? /^\d{11}$/.test(changed) && refCpf(changed.slice(0, 9)) === changed : /^[0-9A-Z]{12}\d{2}$/.test(changed) && refCnpj(changed.slice(0, 12)) === changed)
        expect(isValidCustomerCode(changed)).toBe(expected)
      }),
      { numRuns: 3000 },
    )
  })

  test('property: the result agrees with the reference for any 11 or 14 characters', () => {
    const arb = fc.oneof(
      fc.array(fc.constantFrom(...DIGITS), { minLength: 11, maxLength: 11 }).map((a) => a.join('')),
      fc
        .tuple(fc.array(fc.constantFrom(...ALNUM), { minLength: 12, maxLength: 12 }), fc.array(fc.constantFrom(...DIGITS), { minLength: 2, maxLength: 2 }))
        .map(([a, b]) => a.join('') + b.join('')),
    )
    fc.assert(
      fc.property(arb, (s) => {
        const expected = notRepeated(s) && (s.length === 11 ? refCpf(s.slice(0, 9)) === s : refCnpj(s.slice(0, 12)) === s)
        expect(isValidCustomerCode(s)).toBe(expected)
      }),
      { numRuns: 3000 },
    )
  })
})

describe('formatCode and normaliseCode', () => {
  test('formats for display', () => {
    expect(formatCode('52998224725')).toBe('529.982.247-25')
    expect(formatCode('52998224725', 'cpf')).toBe('529.982.247-25')
    expect(formatCode('11222333000181', 'cnpj')).toBe('11.222.333/0001-81')
    expect(formatCode('12ABC34501DE35')).toBe('12.ABC.345/01DE-35')
  })

  test('leaves what is not a normalised code of that type as it is', () => {
    expect(formatCode('123')).toBe('123')
    expect(formatCode('52998224725', 'cnpj')).toBe('52998224725')
    expect(formatCode('<b>11222333000181</b>')).toBe('<b>11222333000181</b>')
  })

  test('property: format then parse is the identity', () => {
    fc.assert(
      fc.property(anyValid, ({ code, type }) => {
        expect(parseCustomerCode(formatCode(code, type))).toEqual({ code, type })
      }),
      { numRuns: 1000 },
    )
  })

  test('normaliseCode strips separators and upper-cases only', () => {
    expect(normaliseCode(' 12.abc.345/01de-35 ')).toBe('12ABC34501DE35')
    expect(normaliseCode('maria')).toBe('MARIA')
  })
})
