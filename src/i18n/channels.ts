// Texts of the channels feature (WhatsApp set-up, webhooks). The `en` object must have the same keys.
const ptBR = {
  'nav.channels': 'Canais',
} as const

export const channelsCatalog = {
  'pt-BR': ptBR,
  en: {
    'nav.channels': 'Channels',
  } satisfies Record<keyof typeof ptBR, string>,
}
