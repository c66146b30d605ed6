// Texts of satisfaction surveys (CSAT, NPS, CES): settings, the questions customers read, results. The `en` object must have the same keys.
const ptBR = {
  'nav.surveys': 'Pesquisas',
}

const en: Record<keyof typeof ptBR, string> = {
  'nav.surveys': 'Surveys',
}

export const surveysCatalog = { 'pt-BR': ptBR, en }
