// Texts of the WebChat channel: the admin settings page and the texts the server sends visitors (the widget keeps its own small pt-BR/en table in public/webchat.js). The `en` object must have the same keys.
const ptBR = {
  'nav.webchat': 'WebChat',
}

const en: Record<keyof typeof ptBR, string> = {
  'nav.webchat': 'Web chat',
}

export const webchatCatalog = { 'pt-BR': ptBR, en }
