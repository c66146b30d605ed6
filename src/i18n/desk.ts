// Texts of the desk (tickets, messages, the conversation). The `en` object must have the same keys.
const ptBR = {
  'desk.protocol_message': 'Seu atendimento foi registrado com o protocolo {protocolo}. Em instantes um atendente vai falar com você.',
  'desk.window_closed': 'Janela de 24 horas encerrada — envie um modelo (HSM)',
  'desk.ticket_closed': 'Este atendimento já foi finalizado: não é possível enviar mensagens nele.',
  'desk.templates_not_available': 'O envio de modelos (HSM) ainda não está disponível nesta versão.',
  'desk.file_empty': 'O arquivo enviado está vazio.',
  'desk.file_missing': 'Envie o arquivo no campo "file".',
  'desk.caption_not_allowed': 'O WhatsApp não aceita legenda em áudios nem em figurinhas.',
  'desk.file_type_unsupported':
    'Tipo de arquivo não aceito pelo WhatsApp. Envie imagem (JPEG, PNG), áudio (MP3, OGG/Opus, AAC, AMR, M4A), vídeo (MP4, 3GP), figurinha (WebP) ou documento (PDF, Word, Excel, PowerPoint, texto).',
  'desk.file_too_large_image': 'Imagem grande demais: o WhatsApp aceita imagens de até 5 MB.',
  'desk.file_too_large_audio': 'Áudio grande demais: o WhatsApp aceita áudios de até 16 MB.',
  'desk.file_too_large_video': 'Vídeo grande demais: o WhatsApp aceita vídeos de até 16 MB.',
  'desk.file_too_large_document': 'Documento grande demais: o WhatsApp aceita documentos de até 100 MB.',
  'desk.file_too_large_sticker': 'Figurinha grande demais: o WhatsApp aceita figurinhas de até 100 KB.',
  'desk.file_too_large_sticker_animated': 'Figurinha animada grande demais: o WhatsApp aceita figurinhas animadas de até 500 KB.',
} as const

export const deskCatalog = {
  'pt-BR': ptBR,
  en: {
    'desk.protocol_message': 'Your request was registered with protocol {protocolo}. An agent will talk to you shortly.',
    'desk.window_closed': '24-hour window closed — send a template (HSM)',
    'desk.ticket_closed': 'This ticket is already closed: messages cannot be sent on it.',
    'desk.templates_not_available': 'Sending templates (HSM) is not available in this version yet.',
    'desk.file_empty': 'The uploaded file is empty.',
    'desk.file_missing': 'Send the file in the "file" field.',
    'desk.caption_not_allowed': 'WhatsApp does not accept a caption on audio or stickers.',
    'desk.file_type_unsupported':
      'File type not accepted by WhatsApp. Send an image (JPEG, PNG), audio (MP3, OGG/Opus, AAC, AMR, M4A), video (MP4, 3GP), sticker (WebP) or document (PDF, Word, Excel, PowerPoint, text).',
    'desk.file_too_large_image': 'Image too large: WhatsApp accepts images up to 5 MB.',
    'desk.file_too_large_audio': 'Audio too large: WhatsApp accepts audio up to 16 MB.',
    'desk.file_too_large_video': 'Video too large: WhatsApp accepts videos up to 16 MB.',
    'desk.file_too_large_document': 'Document too large: WhatsApp accepts documents up to 100 MB.',
    'desk.file_too_large_sticker': 'Sticker too large: WhatsApp accepts stickers up to 100 KB.',
    'desk.file_too_large_sticker_animated': 'Animated sticker too large: WhatsApp accepts animated stickers up to 500 KB.',
  } satisfies Record<keyof typeof ptBR, string>,
}
