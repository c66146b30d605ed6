// What every view receives: the translator, the viewer, the CSRF token and the current path.
import type { Permission } from '../src/admin/permissions'
import type { User } from '../src/admin/users-store'
import type { Lang, MessageKey, Translate } from '../src/i18n'

export interface View {
  /** Catalog text, for attributes (which the renderer escapes). */
  t: Translate
  /** Catalog text escaped for use as element content (the vars may hold user data). */
  escape: Translate
  lang: Lang
  user: User | null
  csrf: string
  path: string
  timeZone: string
  can(p: Permission): boolean
  date(ms: number): string
}

export type Problems = Partial<Record<string, MessageKey>>
