import { describe, expect, test } from 'bun:test'
import { classifyGraphError, explainGraphError, isKnownGraphError, isPermanentGraphError } from './errors'

const REQUIRED = [
  131047, 131026, 131049, 131051, 131052, 131053, 130429, 131056, 132000, 132001, 132012, 132015, 132016, 133010,
  190, 100, 368, 131000, 131005, 131008, 131009, 131021, 131031, 80007, 4, 2,
]

describe('explainGraphError', () => {
  test('the 24-hour window, in both languages', () => {
    expect(explainGraphError(131047)).toBe('Janela de 24 horas encerrada — envie um modelo (HSM)')
    expect(explainGraphError(131047, 'en')).toBe('24-hour window closed — send a template (HSM)')
  })

  for (const code of REQUIRED) {
    test(`${code} has its own text in pt-BR and en`, () => {
      expect(isKnownGraphError(code)).toBe(true)
      const pt = explainGraphError(code, 'pt-BR')
      const en = explainGraphError(code, 'en')
      expect(pt).not.toContain('Erro do WhatsApp (')
      expect(en).not.toContain('WhatsApp error (')
      expect(pt).not.toBe(en)
    })
  }

  test('permission range 200–299 shares one text', () => {
    expect(explainGraphError(294)).toBe(explainGraphError(200))
  })

  test('unknown codes get a generic text with the code', () => {
    expect(isKnownGraphError(999999)).toBe(false)
    expect(explainGraphError(999999)).toBe('Erro do WhatsApp (999999)')
    expect(explainGraphError(999999, 'en')).toBe('WhatsApp error (999999)')
    expect(explainGraphError(null)).toBe('Erro do WhatsApp')
  })
})

describe('classifyGraphError / isPermanentGraphError', () => {
  const cases: [number | null, number | null, ReturnType<typeof classifyGraphError>][] = [
    [429, null, 'retry'],
    [429, 130429, 'retry'],
    [400, 130429, 'retry'], // throughput code decides even on a 400
    [500, null, 'retry'],
    [503, 2, 'retry'],
    [500, 1, 'retry'],
    [400, 4, 'retry'],
    [400, 80007, 'retry'],
    [400, 131000, 'retry'],
    [null, null, 'retry'], // network error / timeout
    [400, 131056, 'retry_slowly'],
    [401, 190, 'channel'],
    [401, null, 'channel'],
    [403, 200, 'channel'],
    [400, 368, 'channel'],
    [400, 131031, 'channel'],
    [400, 131047, 'permanent'],
    [400, 131026, 'permanent'],
    [400, 100, 'permanent'],
    [400, 131008, 'permanent'],
    [400, 131009, 'permanent'],
    [400, 132001, 'permanent'],
    [404, null, 'permanent'],
    [400, 999999, 'permanent'], // unknown 4xx
    [502, 999999, 'retry'], // unknown code on a 5xx: transient
    [null, 131049, 'permanent'], // from a failed status webhook
    [null, 131000, 'retry'],
    [null, 999999, 'permanent'], // failed status, unknown code: do not resend blindly
  ]
  for (const [status, code, expected] of cases) {
    test(`HTTP ${status} code ${code} → ${expected}`, () => {
      expect(classifyGraphError(status, code)).toBe(expected)
      expect(isPermanentGraphError(status, code)).toBe(expected === 'permanent')
    })
  }
})
