import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { WHATSAPP_FIXTURES } from '../../../test/support/fixtures'
import {
  DeliveryShapeError,
  parseDelivery,
  parseDeliveryJson,
  shouldApplyStatus,
  statusRank,
  type DeliveryStatus,
  type ParsedDelivery,
} from './parse'

const FIXTURES = WHATSAPP_FIXTURES

function fixture(name: string): ParsedDelivery {
  return parseDelivery(JSON.parse(readFileSync(`${FIXTURES}/${name}`, 'utf8')))
}

// One function per fixture file; the first test fails when a fixture is added without one, so
// "every fixture is replayed" stays true.
const expectations: Record<string, (p: ParsedDelivery) => void> = {
  'meta_text_message.json': (p) => {
    expect(p.messages).toHaveLength(1)
    const m = p.messages[0]!
    expect(m).toMatchObject({
      phoneNumberId: '106540352242922',
      displayPhoneNumber: '15550783881',
      wabaId: '102290129340398',
      contactKey: '16505551234',
      waId: '16505551234',
      profileName: 'Sheena Nelson',
      providerId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
      timestampMs: 1749416383000,
      type: 'text',
      text: 'Does it come in another color?',
      media: null,
      context: null,
      referral: null,
      errors: [],
    })
  },

  'interactive_button_reply.json': (p) => {
    const m = p.messages[0]!
    expect(m.type).toBe('interactive')
    expect(m.text).toBe('Change')
    expect(m.interactive).toEqual({ kind: 'button_reply', id: 'change-button', title: 'Change', description: null, responseJson: null, flowName: null })
    expect(m.context).toEqual({ id: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBJBM0Y4RUU0RUNFQkFDMjYzQUMA', from: '15550783881', forwarded: false, frequentlyForwarded: false })
    expect(m.profileName).toBe('Pablo Morales')
    expect(m.timestampMs).toBe(1714510003000)
  },

  'pywa_document.json': (p) => {
    const m = p.messages[0]!
    expect(m.type).toBe('document')
    expect(m.text).toBe('caption')
    expect(m.media).toEqual({
      id: '1234567890987654321',
      mimeType: 'application/pdf',
      sha256: 'grwfwe/ZPx0wAbdfbdeFUNItPZ0RylL8gGUvdt3YFqc18SY=',
      filename: 'filename.pdf',
    })
    expect(m.context).toEqual({ id: null, from: null, forwarded: true, frequentlyForwarded: false })
    // wa_id present, so it is the key even though user_id is there too
    expect(m.contactKey).toBe('972987654321')
    expect(m.userId).toBe('US.13491208655302741918')
    expect(m.wabaId).toBe('1234567890987654321')
    expect(m.phoneNumberId).toBe('1122334455667')
  },

  'pywa_list_reply.json': (p) => {
    const m = p.messages[0]!
    expect(m.type).toBe('interactive')
    expect(m.interactive).toMatchObject({ kind: 'list_reply', id: 'callback_data', title: 'title', description: 'description' })
    expect(m.text).toBe('title')
    expect(m.context?.id).toBe('wamid.xyzxyz')
  },

  'pywa_media_with_url.json': (p) => {
    const m = p.messages[0]!
    expect(m.type).toBe('image')
    expect(m.text).toBeNull()
    expect(m.media).toEqual({
      id: '65463453',
      mimeType: 'image/jpeg',
      sha256: '4654+8g=',
      url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=65463453&source=webhook&ext=487r9re&hash=heiwchueowbcew-dnedcw',
    })
  },

  'pywa_nfm_reply.json': (p) => {
    const m = p.messages[0]!
    expect(m.type).toBe('interactive')
    expect(m.interactive?.kind).toBe('nfm_reply')
    expect(m.interactive?.id).toBeNull()
    expect(m.interactive?.flowName).toBe('flow')
    expect(m.text).toBe('Sent')
    expect(JSON.parse(m.interactive!.responseJson!)).toMatchObject({ flow_token: 'AQAAAAACS5FpgQ_cAAAAAD0QI3s.', delivery_rating: '4' })
    expect(m.context).toMatchObject({ id: 'wamid.gvwegfretge==', from: '972123456789' })
  },

  'pywa_reaction.json': (p) => {
    const m = p.messages[0]!
    expect(m.type).toBe('reaction')
    expect(m.reaction).toEqual({ messageId: 'wamid.yzxyzx=', emoji: '😮' })
    expect(m.text).toBe('😮')
  },

  'pywa_referral.json': (p) => {
    const m = p.messages[0]!
    expect(m.type).toBe('text')
    expect(m.text).toBe('BODY')
    expect(m.providerId).toBe('wamid.ID')
    expect(m.referral).toMatchObject({ source_url: 'AD_OR_POST_FB_URL', headline: 'AD_TITLE', ctwa_clid: 'CTWA_CLID' })
  },

  'pywa_reply.json': (p) => {
    const m = p.messages[0]!
    expect(m.text).toBe('replied text')
    expect(m.context).toEqual({ id: 'wamid.xyzxyz==', from: '972123456789', forwarded: false, frequentlyForwarded: false })
  },

  'pywa_status_failed.json': (p) => {
    expect(p.messages).toHaveLength(0)
    expect(p.statuses).toHaveLength(1)
    const s = p.statuses[0]!
    expect(s).toMatchObject({
      phoneNumberId: '1122334455667',
      wabaId: '5467539754836534',
      providerId: 'wamid.xyzxyz',
      status: 'failed',
      timestampMs: 1689380458000,
      recipientId: '972987654321',
      conversation: null,
      pricing: null,
    })
    expect(s.errors).toEqual([
      {
        code: 130472,
        title: "User's number is part of an experiment",
        message: "User's number is part of an experiment",
        details: "Failed to send message because this user's phone number is part of an experiment",
      },
    ])
  },

  'pywa_template_quick_reply.json': (p) => {
    const m = p.messages[0]!
    expect(m.type).toBe('button')
    expect(m.buttonPayload).toBe('callback_data')
    expect(m.text).toBe('title')
    expect(m.context?.id).toBe('wamid.xyzxyz==')
  },

  'pywa_unsupported_with_type.json': (p) => {
    expect(p.messages).toHaveLength(1)
    const m = p.messages[0]!
    expect(m.type).toBe('unsupported')
    expect(m.unsupportedType).toBe('pool')
    expect(m.errors).toEqual([
      { code: 131051, title: 'Message type unknown', message: 'Message type unknown', details: 'Message type is currently not supported.' },
    ])
  },

  'pywa_voice.json': (p) => {
    const m = p.messages[0]!
    expect(m.type).toBe('audio')
    expect(m.media).toEqual({
      id: '1234567890987654321',
      mimeType: 'audio/ogg; codecs=opus',
      sha256: 'm04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI=',
      voice: true,
    })
  },

  'status_failed_131049.json': (p) => {
    const s = p.statuses[0]!
    expect(s.status).toBe('failed')
    expect(s.providerId).toBe('wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA')
    expect(s.recipientId).toBe('16505551234')
    expect(s.timestampMs).toBe(1751142888000)
    expect(s.errors[0]).toMatchObject({ code: 131049, details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.' })
  },

  'status_sent_pmp.json': (p) => {
    const s = p.statuses[0]!
    expect(s.status).toBe('sent')
    expect(s.timestampMs).toBe(1750030073000)
    expect(s.errors).toEqual([])
    expect(s.conversation).toMatchObject({ id: '72b14d6bd5407799e66f64d1b338e567', origin: { type: 'marketing' } })
    expect(s.pricing).toMatchObject({ billable: true, pricing_model: 'PMP', category: 'marketing' })
  },

  'template_status_approved.json': (p) => {
    expect(p.messages).toHaveLength(0)
    expect(p.templateEvents).toHaveLength(1)
    const e = p.templateEvents[0]!
    expect(e).toMatchObject({
      field: 'message_template_status_update',
      wabaId: '102290129340398',
      timeMs: 1751247548000,
      templateId: '1689556908129832',
      templateName: 'order_confirmation',
      language: 'en-US',
      event: 'APPROVED',
      reason: 'NONE',
      category: 'UTILITY',
      rejectionInfo: null,
    })
  },
}

describe('fixtures replay', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort()

  test('every fixture file has expectations', () => {
    expect(files.length).toBeGreaterThan(0)
    expect(files).toEqual(Object.keys(expectations).sort())
  })

  for (const file of files) {
    test(file, () => {
      const parsed = fixture(file)
      expect(parsed.errors).toEqual([])
      expect(parsed.unknown).toEqual([])
      expectations[file]?.(parsed)
    })
  }
})

// ---------------------------------------------------------------------------------------------

function envelope(entries: unknown[]): unknown {
  return { object: 'whatsapp_business_account', entry: entries }
}

function messagesChange(phoneNumberId: string, value: Record<string, unknown>): unknown {
  return {
    field: 'messages',
    value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '5583999990000', phone_number_id: phoneNumberId }, ...value },
  }
}

function text(id: string, from: string, body: string, ts = '1750000000'): Record<string, unknown> {
  return { from, id, timestamp: ts, type: 'text', text: { body } }
}

function status(id: string, s: string, ts = '1750000001'): Record<string, unknown> {
  return { id, status: s, timestamp: ts, recipient_id: '5583988887777' }
}

describe('batched deliveries', () => {
  test('2 entries × 2 changes × several messages and statuses: nothing is dropped', () => {
    const body = envelope(
      [0, 1].map((e) => ({
        id: `waba-${e}`,
        changes: [0, 1].map((c) =>
          messagesChange(`pn-${e}-${c}`, {
            contacts: [
              { profile: { name: `Ana ${e}${c}` }, wa_id: `55830000${e}${c}1` },
              { profile: { name: `Bia ${e}${c}` }, wa_id: `55830000${e}${c}2` },
            ],
            messages: [
              text(`wamid.${e}.${c}.a`, `55830000${e}${c}1`, `a ${e}${c}`),
              text(`wamid.${e}.${c}.b`, `55830000${e}${c}2`, `b ${e}${c}`),
              text(`wamid.${e}.${c}.c`, `55830000${e}${c}1`, `c ${e}${c}`),
            ],
            statuses: [status(`wamid.out.${e}.${c}.1`, 'delivered'), status(`wamid.out.${e}.${c}.2`, 'read')],
          }),
        ),
      })),
    )
    const p = parseDelivery(body)
    expect(p.errors).toEqual([])
    expect(p.messages).toHaveLength(12)
    expect(p.statuses).toHaveLength(8)
    expect(new Set(p.messages.map((m) => m.providerId)).size).toBe(12)
    expect(new Set(p.statuses.map((s) => s.providerId)).size).toBe(8)

    // Each message keeps its own number, WABA and sender (the contacts are matched per message).
    const b11 = p.messages.find((m) => m.providerId === 'wamid.1.1.b')!
    expect(b11).toMatchObject({ wabaId: 'waba-1', phoneNumberId: 'pn-1-1', contactKey: '55830000112', profileName: 'Bia 11', text: 'b 11' })
    const c01 = p.messages.find((m) => m.providerId === 'wamid.0.1.c')!
    expect(c01).toMatchObject({ wabaId: 'waba-0', phoneNumberId: 'pn-0-1', contactKey: '55830000011', profileName: 'Ana 01' })
    expect(p.statuses.find((s) => s.providerId === 'wamid.out.1.0.2')).toMatchObject({ wabaId: 'waba-1', phoneNumberId: 'pn-1-0', status: 'read' })
  })

  test('mixed fields in one delivery go to their lists', () => {
    const p = parseDelivery(
      envelope([
        {
          id: 'waba',
          time: 1750000000,
          changes: [
            messagesChange('pn', { contacts: [{ profile: { name: 'X' }, wa_id: '1' }], messages: [text('wamid.1', '1', 'oi')] }),
            { field: 'message_template_quality_update', value: { previous_quality_score: 'GREEN', new_quality_score: 'YELLOW', message_template_id: 806312974732579, message_template_name: 'welcome', message_template_language: 'pt_BR' } },
            { field: 'template_category_update', value: { message_template_id: 278077987957091, message_template_name: 'welcome', message_template_language: 'en-US', new_category: 'UTILITY', correct_category: 'MARKETING', category_update_timestamp: 1746169200 } },
            { field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } },
            messagesChange('pn', { errors: [{ code: 131000, title: 'Something went wrong', message: 'Something went wrong', error_data: { details: 'x' } }] }),
          ],
        },
      ]),
    )
    expect(p.errors).toEqual([])
    expect(p.messages).toHaveLength(1)
    expect(p.templateEvents).toHaveLength(2)
    expect(p.templateEvents[0]).toMatchObject({ field: 'message_template_quality_update', templateId: '806312974732579', previousQualityScore: 'GREEN', newQualityScore: 'YELLOW', timeMs: 1750000000000 })
    expect(p.templateEvents[1]).toMatchObject({ field: 'template_category_update', newCategory: 'UTILITY', correctCategory: 'MARKETING', previousCategory: null, categoryUpdateMs: 1746169200000 })
    expect(p.unknown).toEqual([{ wabaId: 'waba', field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } }])
    expect(p.accountErrors).toEqual([{ phoneNumberId: 'pn', wabaId: 'waba', errors: [{ code: 131000, title: 'Something went wrong', message: 'Something went wrong', details: 'x' }] }])
  })
})

describe('message types', () => {
  function one(message: Record<string, unknown>, contacts: unknown[] = [{ profile: { name: 'C' }, wa_id: '5583911112222' }]) {
    const p = parseDelivery(envelope([{ id: 'waba', changes: [messagesChange('pn', { contacts, messages: [{ from: '5583911112222', id: 'wamid.t', timestamp: '1750000000', ...message }] })] }]))
    expect(p.messages).toHaveLength(1)
    return { m: p.messages[0]!, p }
  }

  test('location', () => {
    const { m } = one({ type: 'location', location: { latitude: -7.115, longitude: -34.863, name: 'Mercado Central', address: 'João Pessoa', url: 'https://x' } })
    expect(m.location).toEqual({ latitude: -7.115, longitude: -34.863, name: 'Mercado Central', address: 'João Pessoa', url: 'https://x' })
    expect(m.text).toBe('Mercado Central')
  })

  test('location without numbers is reported, message kept', () => {
    const { m, p } = one({ type: 'location', location: { name: 'x' } })
    expect(m.location).toBeNull()
    expect(p.errors).toHaveLength(1)
  })

  test('an error code that is not a whole number is no code (it goes in an INTEGER column)', () => {
    for (const code of [1.5, 1e300, '9007199254740993', 'abc', null]) {
      const { m } = one({ type: 'unsupported', errors: [{ code, title: 'x' }] })
      expect(m.errors[0]!.code).toBeNull()
    }
    expect(one({ type: 'unsupported', errors: [{ code: '131052', title: 'x' }] }).m.errors[0]!.code).toBe(131052)
  })

  test('contacts cards kept raw', () => {
    const cards = [{ name: { formatted_name: 'Maria Silva', first_name: 'Maria' }, phones: [{ phone: '+55 83 98888-7777', wa_id: '5583988887777' }] }]
    const { m } = one({ type: 'contacts', contacts: cards })
    expect(m.contacts).toEqual(cards)
    expect(m.text).toBe('Maria Silva')
  })

  test('sticker with animated flag', () => {
    const { m } = one({ type: 'sticker', sticker: { id: 'st1', mime_type: 'image/webp', sha256: 'abc=', animated: true } })
    expect(m.media).toEqual({ id: 'st1', mimeType: 'image/webp', sha256: 'abc=', animated: true })
  })

  test('video with caption', () => {
    const { m } = one({ type: 'video', video: { id: 'v1', mime_type: 'video/mp4', sha256: 's', caption: 'olha isso' } })
    expect(m.text).toBe('olha isso')
    expect(m.media?.id).toBe('v1')
  })

  test('media without id is reported, message kept', () => {
    const { m, p } = one({ type: 'image', image: { mime_type: 'image/jpeg' } })
    expect(m.media).toBeNull()
    expect(p.errors[0]!.reason).toContain('media id')
  })

  test('order', () => {
    const { m } = one({ type: 'order', order: { catalog_id: 'cat', text: 'quero estes', product_items: [{ product_retailer_id: 'sku1', quantity: '2', item_price: '10', currency: 'BRL' }] } })
    expect(m.order).toEqual({ catalogId: 'cat', productItems: [{ product_retailer_id: 'sku1', quantity: '2', item_price: '10', currency: 'BRL' }] })
    expect(m.text).toBe('quero estes')
  })

  test('system: user changed number', () => {
    const { m } = one({ type: 'system', system: { body: 'User A changed from 5583911112222 to 5583933334444', type: 'user_changed_number', wa_id: '5583933334444' } })
    expect(m.system).toEqual({ kind: 'user_changed_number', newWaId: '5583933334444' })
    expect(m.text).toContain('changed from')
  })

  test('reaction removal: empty or missing emoji', () => {
    expect(one({ type: 'reaction', reaction: { message_id: 'wamid.x', emoji: '' } }).m.reaction).toEqual({ messageId: 'wamid.x', emoji: null })
    expect(one({ type: 'reaction', reaction: { message_id: 'wamid.x' } }).m.reaction).toEqual({ messageId: 'wamid.x', emoji: null })
  })

  test('revoke', () => {
    const { m } = one({ type: 'revoke', revoke: { original_message_id: 'wamid.orig' } })
    expect(m.type).toBe('revoke')
    expect(m.targetMessageId).toBe('wamid.orig')
  })

  test('edit carries the new content', () => {
    const { m } = one({ type: 'edit', edit: { original_message_id: 'wamid.orig', message: { context: { id: 'wamid.ctx' }, type: 'image', image: { caption: 'nova legenda', mime_type: 'image/jpeg', sha256: 's', id: 'img2' } } } })
    expect(m.type).toBe('edit')
    expect(m.targetMessageId).toBe('wamid.orig')
    expect(m.editedType).toBe('image')
    expect(m.text).toBe('nova legenda')
    expect(m.media?.id).toBe('img2')
  })

  test('an unknown type becomes unsupported, never dropped', () => {
    const { m, p } = one({ type: 'poll_v9', poll_v9: { question: '?' } })
    expect(p.errors).toEqual([])
    expect(m.type).toBe('unsupported')
    expect(m.rawType).toBe('poll_v9')
    expect(m.unsupportedType).toBe('poll_v9')
  })

  test('media over 100 MB arrives as an error and stays visible', () => {
    const { m } = one({ type: 'unsupported', errors: [{ code: 131052, title: 'Media download error', message: 'Media download error', error_data: { details: 'too big' } }] })
    expect(m.type).toBe('unsupported')
    expect(m.errors[0]!.code).toBe(131052)
  })

  test('frequently forwarded context', () => {
    const { m } = one({ type: 'text', text: { body: 'corrente' }, context: { frequently_forwarded: true, forwarded: true } })
    expect(m.context).toEqual({ id: null, from: null, forwarded: true, frequentlyForwarded: true })
  })

  test('username user: empty wa_id, keyed on user_id', () => {
    const p = parseDelivery(
      envelope([
        {
          id: 'waba',
          changes: [
            messagesChange('pn', {
              contacts: [{ profile: { name: 'Zé' }, wa_id: '', user_id: 'BR.1234567890' }],
              messages: [{ from_user_id: 'BR.1234567890', id: 'wamid.u', timestamp: '1750000000', type: 'text', text: { body: 'oi' } }],
            }),
          ],
        },
      ]),
    )
    expect(p.errors).toEqual([])
    expect(p.messages[0]).toMatchObject({ contactKey: 'BR.1234567890', waId: null, userId: 'BR.1234567890', from: null, profileName: 'Zé' })
  })
})

describe('big ids sent as JSON numbers', () => {
  test('a template id above 2^53 keeps its exact digits (a plain JSON.parse rounds it)', () => {
    const raw = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1751305200,"changes":[{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":9007199254740993,"reason":"NONE"}}]}]}`
    expect((JSON.parse(raw) as { entry: { changes: { value: { message_template_id: number } }[] }[] }).entry[0]!.changes[0]!.value.message_template_id).toBe(9007199254740992)
    const p = parseDelivery(parseDeliveryJson(raw))
    expect(p.templateEvents[0]!.templateId).toBe('9007199254740993')
    expect(p.templateEvents[0]!.timeMs).toBe(1751305200_000)
  })

  test('other numbers are untouched', () => {
    expect(parseDeliveryJson('{"a":1751305200,"b":-3,"c":1.5,"d":1e300,"e":[12345678901234567890]}')).toEqual({ a: 1751305200, b: -3, c: 1.5, d: 1e300, e: ['12345678901234567890'] })
  })
})

describe('malformed input', () => {
  test('not a WhatsApp delivery throws DeliveryShapeError', () => {
    for (const body of [null, 'x', 42, [], {}, { object: 'page', entry: [] }, { object: 'whatsapp_business_account' }, { object: 'whatsapp_business_account', entry: {} }]) {
      expect(() => parseDelivery(body)).toThrow(DeliveryShapeError)
    }
  })

  test('empty entry list is fine', () => {
    expect(parseDelivery(envelope([]))).toEqual({ messages: [], statuses: [], templateEvents: [], accountErrors: [], unknown: [], errors: [] })
  })

  test('bad parts are reported and the good ones kept', () => {
    const p = parseDelivery(
      envelope([
        'not an entry',
        { id: 'waba', changes: 'nope' },
        {
          id: 'waba',
          changes: [
            null,
            { value: {} },
            { field: 'messages', value: 'x' },
            { field: 'messages', value: { messages: [text('wamid.lost', '1', 'x')] } }, // no metadata
            messagesChange('pn', {
              contacts: [{ profile: { name: 'A' }, wa_id: '1' }],
              messages: [
                7,
                { from: '1', timestamp: '1750000000', type: 'text', text: { body: 'no id' } },
                { id: 'wamid.nosender', timestamp: '1750000000', type: 'text', text: { body: 'x' } },
                text('wamid.ok', '1', 'ok'),
                { ...text('wamid.badts', '1', 'ts'), timestamp: 'yesterday' },
              ],
              statuses: [status('wamid.s1', 'deleted'), { status: 'read' }, status('wamid.s2', 'delivered')],
            }),
          ],
        },
      ]),
    )
    expect(p.messages.map((m) => m.providerId)).toEqual(['wamid.nosender', 'wamid.ok', 'wamid.badts'])
    // The only contact is assumed to be the sender when `from` is missing.
    expect(p.messages[0]!.contactKey).toBe('1')
    expect(p.messages[2]!.timestampMs).toBeNull()
    expect(p.statuses.map((s) => s.providerId)).toEqual(['wamid.s2'])
    const paths = p.errors.map((e) => e.path)
    expect(paths).toEqual([
      'entry[0]',
      'entry[1].changes',
      'entry[2].changes[0]',
      'entry[2].changes[1].field',
      'entry[2].changes[2].value',
      'entry[2].changes[3].value.metadata.phone_number_id',
      'entry[2].changes[4].value.messages[0]',
      'entry[2].changes[4].value.messages[1].id',
      'entry[2].changes[4].value.messages[4].timestamp',
      'entry[2].changes[4].value.statuses[0].status',
      'entry[2].changes[4].value.statuses[1].id',
    ])
  })

  test("a sender missing from contacts keeps its own from, not another contact's identity", () => {
    const p = parseDelivery(
      envelope([{ id: 'w', changes: [messagesChange('pn', { contacts: [{ profile: { name: 'A' }, wa_id: '111' }], messages: [text('wamid.a', '111', 'a'), text('wamid.b', '222', 'b')] })] }]),
    )
    expect(p.messages.map((m) => [m.contactKey, m.profileName])).toEqual([['111', 'A'], ['222', null]])
  })

  test('a message with no sender at all is reported', () => {
    const p = parseDelivery(envelope([{ id: 'w', changes: [messagesChange('pn', { messages: [{ id: 'wamid.x', timestamp: '1', type: 'text', text: { body: 'x' } }] })] }]))
    expect(p.messages).toEqual([])
    expect(p.errors[0]!.reason).toContain('no sender')
  })
})

describe('status ordering', () => {
  test('statusRank', () => {
    expect(statusRank('sent')).toBeLessThan(statusRank('delivered'))
    expect(statusRank('delivered')).toBeLessThan(statusRank('read'))
    expect(statusRank('read')).toBeLessThan(statusRank('played'))
    expect(statusRank('failed')).toBe(0)
    expect(statusRank(null)).toBe(0)
    expect(statusRank('queued')).toBe(0)
  })

  const cases: [string | null, DeliveryStatus, boolean][] = [
    [null, 'sent', true],
    ['queued', 'sent', true],
    ['sent', 'delivered', true],
    ['sent', 'read', true], // delivered may never come
    ['delivered', 'read', true],
    ['read', 'played', true],
    ['read', 'delivered', false], // out of order: never move down
    ['delivered', 'sent', false],
    ['read', 'read', false], // duplicate
    ['sent', 'failed', true],
    [null, 'failed', true],
    ['delivered', 'failed', false], // it reached a device already
    ['failed', 'failed', false],
    ['failed', 'delivered', true], // multi-device: a later delivered wins
    ['failed', 'read', true],
    ['failed', 'sent', false],
  ]
  for (const [current, incoming, expected] of cases) {
    test(`${current} → ${incoming}: ${expected ? 'apply' : 'ignore'}`, () => {
      expect(shouldApplyStatus(current, incoming)).toBe(expected)
    })
  }
})
