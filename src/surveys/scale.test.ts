// Reading typed scores and the options' titles (WhatsApp list rows hold 24 characters).
import { describe, expect, test } from 'bun:test'
import { inRange, optionsOf, readOptionId, readTypedScore } from './scale'

describe('typed scores', () => {
  test('numbers, "nota N", number words, stars and trailing punctuation are scores', () => {
    const cases: [string, number][] = [['5', 5], [' 4 ', 4], ['nota 4', 4], ['Nota: 3', 3], ['minha nota é 9', 9], ['dez', 10], ['Dez!', 10], ['três', 3], ['zero', 0], ['4 estrelas', 4], ['10/10', 10], ['7.', 7], ['11', 11], ['100', 100]]
    for (const [text, score] of cases) expect([text, readTypedScore(text)]).toEqual([text, score])
  })
  test('anything else is not a score (the normal flow takes it)', () => {
    for (const text of ['oi', 'obrigado', 'meu pedido 12345 não chegou', '5 reais', 'nota fiscal', '', '1234', 'quero falar com 2 pessoas']) expect([text, readTypedScore(text)]).toEqual([text, null])
    expect(readTypedScore(null)).toBeNull()
  })
  test('ranges: CSAT 1–5, NPS 0–10, CES 1–7', () => {
    expect([inRange('csat', 0), inRange('csat', 1), inRange('csat', 5), inRange('csat', 6)]).toEqual([false, true, true, false])
    expect([inRange('nps', 0), inRange('nps', 10), inRange('nps', 11)]).toEqual([true, true, false])
    expect([inRange('ces', 1), inRange('ces', 7), inRange('ces', 8)]).toEqual([true, true, false])
  })
})

describe('options', () => {
  test('every title fits a list row in both languages; ids carry the survey and the score', () => {
    for (const lang of ['pt-BR', 'en'] as const) {
      for (const kind of ['csat', 'nps', 'ces'] as const) {
        const options = optionsOf(kind, 42, lang)
        expect(options.every((o) => o.title.length <= 24 && !o.title.endsWith(' '))).toBe(true)
        expect(options.map((o) => readOptionId(o.id))).toEqual(options.map((o) => ({ surveyId: 42, score: o.score })))
      }
    }
    expect(optionsOf('nps', 1, 'pt-BR')).toHaveLength(11)
    expect(readOptionId('documento:skip')).toBeNull()
  })
})
