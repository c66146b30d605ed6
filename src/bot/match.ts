// Reading the customer's answers: which menu option a reply means (a tapped button or list row, a
// typed number "2", a number word "dois", the option's title or a unique part of it), whether a
// message is the keyword for a human ("atendente") or a skip word, and the typed data an ask step
// collects (free text, CPF/CNPJ, e-mail, phone, date), checked and normalised.
import { formatCode, parseCustomerCode } from '../customers/code'
import { formatPhone, normalisePhone } from '../customers/customers'
import type { AskKind } from './flow'

/** Lower case, no accents, punctuation as spaces, single spaces. */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

const NUMBER_WORDS: Record<string, number> = {
  um: 1, uma: 1, primeiro: 1, primeira: 1, one: 1, first: 1,
  dois: 2, duas: 2, segundo: 2, segunda: 2, two: 2, second: 2,
  tres: 3, terceiro: 3, terceira: 3, three: 3, third: 3,
  quatro: 4, quarto: 4, quarta: 4, four: 4, fourth: 4,
  cinco: 5, quinto: 5, quinta: 5, five: 5, fifth: 5,
  seis: 6, sexto: 6, sexta: 6, six: 6, sixth: 6,
  sete: 7, setimo: 7, setima: 7, seven: 7, seventh: 7,
  oito: 8, oitavo: 8, oitava: 8, eight: 8, eighth: 8,
  nove: 9, nono: 9, nona: 9, nine: 9, ninth: 9,
  dez: 10, decimo: 10, decima: 10, ten: 10, tenth: 10,
  onze: 11, doze: 12, treze: 13, catorze: 14, quatorze: 14, quinze: 15,
  dezesseis: 16, dezessete: 17, dezoito: 18, dezenove: 19, vinte: 20,
}
/** Words around a number people type: "opção 2", "a número dois", "quero a 3". */
const FILLER = new Set(['opcao', 'opcoes', 'option', 'numero', 'num', 'n', 'no', 'nr', 'a', 'o', 'e', 'quero', 'escolho', 'item', 'letra', 'the', 'is', 'eh', 'pela', 'pelo'])

/** The option number a typed answer names (1-based), or null: "2", "2.", "2️⃣", "opção 2", "dois", "segunda". */
export function typedNumber(answer: string): number | null {
  const words = fold(answer.replace(/\uFE0F?\u20E3/g, '')).split(' ').filter((w) => w && !FILLER.has(w))
  if (words.length !== 1) return null
  const w = words[0]
  if (/^\d{1,3}$/.test(w)) return Number(w)
  return NUMBER_WORDS[w] ?? null
}

export interface ShownOption {
  /** the id sent in the interactive message (`<step>:<n>`) */
  id: string
  title: string
}

/**
 * The index of the option an answer picks, or null. In order: a tapped button/row (its id), the
 * exact title, a typed number, a title that starts with the answer or is contained in it — each
 * only when exactly one option fits.
 */
export function matchOption(options: ShownOption[], answer: { text: string | null; interactiveId: string | null }): number | null {
  if (answer.interactiveId) {
    const i = options.findIndex((o) => o.id === answer.interactiveId)
    if (i >= 0) return i
  }
  const text = answer.text?.trim()
  if (!text) return null
  const a = fold(text)
  if (!a) return null
  const titles = options.map((o) => fold(o.title))
  const exact = titles.indexOf(a)
  if (exact >= 0) return exact
  const n = typedNumber(text)
  if (n !== null) return n >= 1 && n <= options.length ? n - 1 : null
  const unique = (pred: (t: string) => boolean) => {
    const hits = titles.map((t, i) => (t && pred(t) ? i : -1)).filter((i) => i >= 0)
    return hits.length === 1 ? hits[0] : null
  }
  if (a.length >= 3) {
    const prefix = unique((t) => t.startsWith(a))
    if (prefix !== null) return prefix
  }
  return unique((t) => t.length >= 3 && ` ${a} `.includes(` ${t} `))
}

/** Whether the answer is (or says, as whole words) one of the phrases: "atendente", "quero falar com um atendente". */
export function saysAny(answer: string | null, phrases: string[]): boolean {
  if (!answer) return false
  const a = ` ${fold(answer)} `
  return phrases.some((p) => {
    const f = fold(p)
    return f !== '' && a.includes(` ${f} `)
  })
}

/** Whether the whole answer is one of the words (skip words must be the whole answer: "pular"). */
export function isOneOf(answer: string | null, phrases: string[]): boolean {
  if (!answer) return false
  const a = fold(answer)
  return a !== '' && phrases.some((p) => fold(p) === a)
}

// ---- typed data ------------------------------------------------------------------------------------

export type Parsed = { value: string; display: string } | null

const EMAIL = /^[^\s@<>"']{1,64}@[^\s@<>"']+\.[^\s@<>"']{2,}$/
const CODE_CANDIDATE = /[0-9A-Za-z](?:[0-9A-Za-z.\-/\s]{9,22})[0-9]/g

/** A CPF/CNPJ in the answer — alone or inside a sentence ("meu cpf é 529.982.247-25"). */
function parseCode(text: string): Parsed {
  const whole = parseCustomerCode(text.trim())
  if (!('error' in whole)) return { value: whole.code, display: formatCode(whole.code, whole.type) }
  for (const m of text.matchAll(CODE_CANDIDATE)) {
    const p = parseCustomerCode(m[0].trim())
    if (!('error' in p)) return { value: p.code, display: formatCode(p.code, p.type) }
  }
  return null
}

function parseDate(text: string): Parsed {
  const s = text.trim()
  let y: number, m: number, d: number
  let r = /^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$/.exec(s)
  if (r) {
    d = Number(r[1])
    m = Number(r[2])
    y = Number(r[3])
    if (r[3].length === 2) y += y > 50 ? 1900 : 2000
  } else if ((r = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s))) {
    y = Number(r[1])
    m = Number(r[2])
    d = Number(r[3])
  } else return null
  const t = new Date(Date.UTC(y, m - 1, d))
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d || y < 1900 || y > 2200) return null
  const pad = (n: number) => String(n).padStart(2, '0')
  return { value: `${y}-${pad(m)}-${pad(d)}`, display: `${pad(d)}/${pad(m)}/${y}` }
}

/** The answer to an ask step, checked and normalised; null when it is not valid for the kind. */
export function parseAnswer(kind: AskKind, text: string | null): Parsed {
  const s = text?.trim() ?? ''
  if (!s) return null
  switch (kind) {
    case 'text':
      return s.length <= 1000 ? { value: s, display: s } : null
    case 'code':
      return parseCode(s)
    case 'email': {
      const e = s.toLowerCase()
      return EMAIL.test(e) && e.length <= 254 ? { value: e, display: e } : null
    }
    case 'phone': {
      const p = normalisePhone(s)
      return p ? { value: p, display: formatPhone(p) } : null
    }
    case 'date':
      return parseDate(s)
  }
}
