// t(lang, key, vars): the one way UI text is produced. pt-BR is the default, English second.
// Each feature keeps its texts in its own catalog file (both languages side by side), so features
// can grow without touching each other's files; the core texts live in pt-BR.ts / en.ts.
import { adminCatalog } from './admin'
import { botCatalog } from './bot'
import { channelsCatalog } from './channels'
import { customersCatalog } from './customers'
import { deskCatalog } from './desk'
import { en } from './en'
import { monitoringCatalog } from './monitoring'
import { opsCatalog } from './ops'
import { ptBR } from './pt-BR'
import { templatesCatalog } from './templates'
import { surveysCatalog } from './surveys'
import { webchatCatalog } from './webchat'
import { ssoCatalog } from './sso'
import { integrationsCatalog } from './integrations'

export type Lang = 'pt-BR' | 'en'
export const LANGS: readonly Lang[] = ['pt-BR', 'en']

const features = [channelsCatalog, deskCatalog, customersCatalog, opsCatalog, templatesCatalog, adminCatalog, botCatalog, monitoringCatalog, surveysCatalog, webchatCatalog, ssoCatalog, integrationsCatalog] as const
type KeysOf<T> = T extends unknown ? keyof T : never
type FeatureKey = KeysOf<(typeof features)[number]['pt-BR']>
export type MessageKey = keyof typeof ptBR | FeatureKey

const catalogs = {
  'pt-BR': Object.assign({}, ptBR, ...features.map((f) => f['pt-BR'])),
  en: Object.assign({}, en, ...features.map((f) => f.en)),
} as Record<Lang, Record<MessageKey, string>>

/** Every catalog key, for the parity test. */
export const catalogKeys = (lang: Lang) => Object.keys(catalogs[lang]).sort()

export function t(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = catalogs[lang][key] ?? catalogs['pt-BR'][key] ?? key
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole))
}

export function isLang(value: unknown): value is Lang {
  return value === 'pt-BR' || value === 'en'
}

/** Picks pt-BR or en from an Accept-Language header; pt-BR when nothing matches. */
export function langFromAcceptLanguage(header: string | null, fallback: Lang): Lang {
  if (!header) return fallback
  for (const part of header.split(',')) {
    const tag = part.split(';')[0].trim().toLowerCase()
    if (tag.startsWith('pt')) return 'pt-BR'
    if (tag.startsWith('en')) return 'en'
  }
  return fallback
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string
export const translator = (lang: Lang): Translate => (key, vars) => t(lang, key, vars)

/** Formats epoch milliseconds in the given time zone, the way the user's language writes dates. */
export function formatDateTime(ms: number, lang: Lang, timeZone: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short', timeZone }).format(ms)
}
