// Texts of integrations: outgoing webhooks and their delivery log, per-token rate limits, the data-retention job. The `en` object must have the same keys.
const ptBR = {
  'nav.integrations': 'Integrações',
}

const en: Record<keyof typeof ptBR, string> = {
  'nav.integrations': 'Integrations',
}

export const integrationsCatalog = { 'pt-BR': ptBR, en }
