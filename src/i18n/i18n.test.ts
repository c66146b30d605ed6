import { describe, expect, test } from 'bun:test'
import { en } from './en'
import { langFromAcceptLanguage, t } from './index'
import { ptBR } from './pt-BR'

describe('catalogs', () => {
  test('English has exactly the Portuguese keys, none empty, same placeholders', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ptBR).sort())
    for (const [key, text] of Object.entries(ptBR)) {
      expect(text.length).toBeGreaterThan(0)
      const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort()
      expect({ key, vars: vars(en[key as keyof typeof en]) }).toEqual({ key, vars: vars(text) })
    }
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
