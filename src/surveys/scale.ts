// The scales (CSAT 1–5, NPS 0–10, CES 1–7), the options a customer picks from, and reading a typed
// answer ("5", "nota 4", "dez", "4 estrelas"). A typed text that does not look like a score is not
// an answer: the message goes on to the normal flow.
import type { Lang } from '../i18n'
import { t } from '../i18n'
import type { SurveyKind } from './store'

export const SCALES: Record<SurveyKind, { min: number; max: number }> = {
  csat: { min: 1, max: 5 },
  nps: { min: 0, max: 10 },
  ces: { min: 1, max: 7 },
}

export interface SurveyOption {
  /** the reply id: `survey:<survey id>:<score>` */
  id: string
  title: string
  score: number
}

export const optionId = (surveyId: number, score: number) => `survey:${surveyId}:${score}`

/** A tapped option's id → the survey and score, or null when it is not one of ours. */
export function readOptionId(payload: string | null | undefined): { surveyId: number; score: number } | null {
  const m = payload ? /^survey:(\d{1,15}):(\d{1,3})$/.exec(payload) : null
  return m ? { surveyId: Number(m[1]), score: Number(m[2]) } : null
}

/** Every option of the scale, lowest first; titles fit a WhatsApp list row (≤ 24). */
export function optionsOf(kind: SurveyKind, surveyId: number, lang: Lang): SurveyOption[] {
  const { min, max } = SCALES[kind]
  const out: SurveyOption[] = []
  for (let n = min; n <= max; n++) {
    const label = kind === 'nps' ? (n === 0 || n === 10 ? t(lang, `surveys.option.nps.${n}`) : null) : t(lang, `surveys.option.${kind}.${n}` as `surveys.option.csat.1`)
    out.push({ id: optionId(surveyId, n), title: label ? `${n} · ${label}`.slice(0, 24) : String(n), score: n })
  }
  return out
}

const WORDS: Record<string, number> = {
  zero: 0, um: 1, uma: 1, dois: 2, duas: 2, tres: 3, quatro: 4, cinco: 5, seis: 6, sete: 7, oito: 8, nove: 9, dez: 10, onze: 11,
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
}

// "5", "nota 4", "minha nota é 9", "dez", "4 estrelas", "10/10", "7!" — the whole message is the score.
const TYPED = new RegExp(
  '^(?:(?:minha\\s+)?(?:nota|resposta|avaliacao)\\s*(?:e\\s+)?[:=-]?\\s*)?' +
    `(\\d{1,3}|${Object.keys(WORDS).join('|')})` +
    '(?:\\s*(?:estrelas?|pontos?|stars?|points?|\\/\\s*\\d{1,2}))?\\s*[.!]*$',
)

/** A typed score, or null when the text is not one (any number, in range or not). */
export function readTypedScore(text: string | null | undefined): number | null {
  if (!text) return null
  const plain = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
  if (plain.length > 40) return null
  const m = TYPED.exec(plain)
  if (!m) return null
  return m[1] in WORDS ? WORDS[m[1]] : Number(m[1])
}

export const inRange = (kind: SurveyKind, score: number) => Number.isInteger(score) && score >= SCALES[kind].min && score <= SCALES[kind].max
