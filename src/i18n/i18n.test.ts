import { describe, expect, test } from 'bun:test'
import { channelsCatalog } from './channels'
import { deskCatalog } from './desk'
import { en } from './en'
import { catalogKeys, langFromAcceptLanguage, t } from './index'
import { ptBR } from './pt-BR'

describe('catalogs', () => {
  test('English has exactly the Portuguese keys, none empty, same placeholders', () => {
    expect(catalogKeys('en')).toEqual(catalogKeys('pt-BR'))
    const pairs: [Record<string, string>, Record<string, string>][] = [
      [ptBR, en],
      [channelsCatalog['pt-BR'], channelsCatalog.en],
      [deskCatalog['pt-BR'], deskCatalog.en],
    ]
    const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort()
    for (const [pt, english] of pairs) {
      expect(Object.keys(english).sort()).toEqual(Object.keys(pt).sort())
      for (const [key, text] of Object.entries(pt)) {
        expect(text.length).toBeGreaterThan(0)
        expect({ key, vars: vars(english[key]) }).toEqual({ key, vars: vars(text) })
      }
    }
  })

  test('no key is defined by two catalogs', () => {
    const all = [ptBR, channelsCatalog['pt-BR'], deskCatalog['pt-BR']].flatMap((c) => Object.keys(c))
    expect(all.length).toBe(new Set(all).size)
  })

  test('t() substitutes variables and leaves unknown ones visible', () => {
    expect(t('pt-BR', 'login.throttled', { seconds: 30 })).toBe('Muitas tentativas de acesso. Tente novamente em 30 segundos.')
    expect(t('en', 'home.greeting', { name: 'Ana' })).toBe('Hello, Ana!')
    expect(t('en', 'home.greeting')).toBe('Hello, {name}!')
  })

  test('Accept-Language picks pt-BR or en, else the default', () => {
    expect(langFromAcceptLanguage('en-US,en;q=0.9', 'pt-BR')).toBe('en')
    expect(langFromAcceptLanguage('pt-PT', 'en')).toBe('pt-BR')
    expect(langFromAcceptLanguage('fr', 'pt-BR')).toBe('pt-BR')
    expect(langFromAcceptLanguage(null, 'en')).toBe('en')
  })
})
