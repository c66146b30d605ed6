// Texts of the desk (tickets, messages, the conversation). The `en` object must have the same keys.
const ptBR = {
  'desk.protocol_message': 'Seu atendimento foi registrado com o protocolo {protocolo}. Em instantes um atendente vai falar com você.',
  'desk.window_closed': 'Janela de 24 horas encerrada — envie um modelo (HSM)',
} as const

export const deskCatalog = {
  'pt-BR': ptBR,
  en: {
    'desk.protocol_message': 'Your request was registered with protocol {protocolo}. An agent will talk to you shortly.',
    'desk.window_closed': '24-hour window closed — send a template (HSM)',
  } satisfies Record<keyof typeof ptBR, string>,
}
