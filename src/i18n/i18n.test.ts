import { describe, expect, test } from 'bun:test'
import { adminCatalog } from './admin'
import { botCatalog } from './bot'
import { channelsCatalog } from './channels'
import { customersCatalog } from './customers'
import { deskCatalog } from './desk'
import { monitoringCatalog } from './monitoring'
import { en } from './en'
import { catalogKeys, langFromAcceptLanguage, t } from './index'
import { opsCatalog } from './ops'
import { ptBR } from './pt-BR'
import { templatesCatalog } from './templates'

describe('catalogs', () => {
  test('English has exactly the Portuguese keys, none empty, same placeholders', () => {
    expect(catalogKeys('en')).toEqual(catalogKeys('pt-BR'))
    const pairs: [Record<string, string>, Record<string, string>][] = [
      [ptBR, en],
      [channelsCatalog['pt-BR'], channelsCatalog.en],
      [deskCatalog['pt-BR'], deskCatalog.en],
      [customersCatalog['pt-BR'], customersCatalog.en],
      [opsCatalog['pt-BR'], opsCatalog.en],
      [templatesCatalog['pt-BR'], templatesCatalog.en],
      [adminCatalog['pt-BR'], adminCatalog.en],
      [botCatalog['pt-BR'], botCatalog.en],
      [monitoringCatalog['pt-BR'], monitoringCatalog.en],
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
    const all = [ptBR, channelsCatalog['pt-BR'], deskCatalog['pt-BR'], customersCatalog['pt-BR'], opsCatalog['pt-BR'], templatesCatalog['pt-BR'], adminCatalog['pt-BR'], botCatalog['pt-BR'], monitoringCatalog['pt-BR']].flatMap((c) => Object.keys(c))
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
