// Kumquat WebChat widget (issue 10). Embedded on a company's site with one line:
//   <script src="https://<kumquat>/webchat.js" data-channel="<key>" async></script>
// Plain JavaScript served as is (no build step, no framework). Everything lives in a shadow root on
// its own host element, styled by a constructed stylesheet (adoptedStyleSheets): the host's CSS
// cannot reach in, ours cannot leak out, and a host CSP that allows our origin for scripts but not
// inline styles still works (constructed sheets are not inline styles). Message data is only ever
// inserted as text (textContent / text nodes), never parsed as HTML. The visitor token is kept in
// localStorage per channel key, so a reload or another page of the site resumes the conversation.
;(() => {
  'use strict'
  if (window.__kumquatWebchat) return
  const script = document.currentScript || document.querySelector('script[data-channel][src*="webchat.js"]')
  if (!script || !script.getAttribute('data-channel')) return
  window.__kumquatWebchat = true

  const KEY = script.getAttribute('data-channel')
  const ORIGIN = new URL(script.src, location.href).origin
  const BASE = ORIGIN + '/webchat/' + encodeURIComponent(KEY)
  const STORE = 'kumquat-webchat:' + KEY
  const LOCALE = navigator.language || 'pt-BR'

  // ---- texts (pt-BR by default, English for every other browser language) -----------------------
  const TEXTS = {
    pt: {
      open: 'Abrir chat', close: 'Fechar chat', title: 'Fale conosco', unread: (n) => n + (n === 1 ? ' mensagem não lida' : ' mensagens não lidas'),
      name: 'Nome', email: 'E-mail', phone: 'Telefone (com DDD)', code: 'CPF ou CNPJ', optional: ' (opcional)', policy: 'Política de privacidade',
      consent: 'Concordo com o uso dos meus dados para este atendimento.', start: 'Iniciar conversa', starting: 'Conectando…',
      errName: 'Informe seu nome.', errEmail: 'E-mail inválido.', errPhone: 'Telefone inválido: informe DDD e número.',
      errContact: 'Informe um e-mail ou um telefone.', errEmailReq: 'Informe seu e-mail.', errPhoneReq: 'Informe seu telefone.',
      errCode: 'CPF ou CNPJ inválido: confira os dígitos.', errCodeReq: 'Informe seu CPF ou CNPJ.', errConsent: 'Para conversar, é preciso concordar com o uso dos dados.',
      fixForm: 'Corrija os campos destacados.',
      message: 'Mensagem', placeholder: 'Escreva sua mensagem…', send: 'Enviar', attach: 'Anexar imagem ou PDF', messages: 'Mensagens',
      you: 'Você', agent: 'Atendente', bot: 'Assistente virtual', system: 'Aviso',
      status: { queued: 'Enviando…', received: 'Enviada', sent: 'Enviada', delivered: 'Entregue', read: 'Lida', failed: 'Não enviada' },
      typing: (n) => (n || 'Atendente') + ' está digitando…',
      uploading: (f) => 'Enviando ' + f + '…', uploadFailed: 'Não foi possível enviar o arquivo.', fileType: 'Envie uma imagem (JPG, PNG, WebP) ou um PDF.',
      fileSize: (m) => 'Arquivo grande demais: o máximo é ' + m + '.', sendFailed: 'Não foi possível enviar. Confira a conexão e tente de novo.',
      tooMany: 'Muitas mensagens em pouco tempo: aguarde um instante.', offline: 'Sem conexão. Tentando reconectar…',
      closed: 'Atendimento encerrado.', protocol: (p) => 'Protocolo ' + p, newChat: 'Nova conversa', transcript: 'Baixar conversa',
      thanks: 'Obrigado pela avaliação!', comment: 'Comentário', sendComment: 'Enviar comentário', skip: 'Agora não',
      offHours: 'Estamos fora do horário de atendimento. Deixe sua mensagem: responderemos assim que possível.',
      unavailable: 'O chat não está disponível neste site no momento.', failed: 'Não foi possível conectar ao chat. Tente novamente em instantes.',
      retry: 'Tentar de novo', image: 'Imagem',
    },
    en: {
      open: 'Open chat', close: 'Close chat', title: 'Chat with us', unread: (n) => n + (n === 1 ? ' unread message' : ' unread messages'),
      name: 'Name', email: 'E-mail', phone: 'Phone (with area code)', code: 'CPF or CNPJ', optional: ' (optional)', policy: 'Privacy policy',
      consent: 'I agree to the use of my data for this conversation.', start: 'Start chat', starting: 'Connecting…',
      errName: 'Enter your name.', errEmail: 'Invalid e-mail.', errPhone: 'Invalid phone: enter area code and number.',
      errContact: 'Enter an e-mail or a phone number.', errEmailReq: 'Enter your e-mail.', errPhoneReq: 'Enter your phone number.',
      errCode: 'Invalid CPF or CNPJ: check the digits.', errCodeReq: 'Enter your CPF or CNPJ.', errConsent: 'To chat, you must agree to the use of your data.',
      fixForm: 'Fix the highlighted fields.',
      message: 'Message', placeholder: 'Type your message…', send: 'Send', attach: 'Attach an image or PDF', messages: 'Messages',
      you: 'You', agent: 'Agent', bot: 'Virtual assistant', system: 'Notice',
      status: { queued: 'Sending…', received: 'Sent', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Not sent' },
      typing: (n) => (n || 'The agent') + ' is typing…',
      uploading: (f) => 'Sending ' + f + '…', uploadFailed: 'The file could not be sent.', fileType: 'Send an image (JPG, PNG, WebP) or a PDF.',
      fileSize: (m) => 'File too large: the maximum is ' + m + '.', sendFailed: 'Could not send. Check your connection and try again.',
      tooMany: 'Too many messages in a short time: wait a moment.', offline: 'No connection. Reconnecting…',
      closed: 'Conversation closed.', protocol: (p) => 'Protocol ' + p, newChat: 'New conversation', transcript: 'Download conversation',
      thanks: 'Thank you for your feedback!', comment: 'Comment', sendComment: 'Send comment', skip: 'Not now',
      offHours: 'We are outside business hours. Leave your message and we will answer as soon as possible.',
      unavailable: 'The chat is not available on this site right now.', failed: 'Could not connect to the chat. Try again in a moment.',
      retry: 'Try again', image: 'Image',
    },
  }
  const T = /^pt/i.test(LOCALE) ? TEXTS.pt : TEXTS.en

  // ---- small DOM helpers: text only, never HTML ------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag)
    for (const k in attrs || {}) {
      const v = attrs[k]
      if (v === null || v === undefined || v === false) continue
      if (k === 'class') el.className = v
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v)
      else el.setAttribute(k, v === true ? '' : String(v))
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)))
    return el
  }
  const clear = (el) => el.replaceChildren()
  let uid = 0
  const nextId = (p) => 'kq-' + p + '-' + ++uid

  // ---- storage (may be unavailable: private mode, blocked third-party storage) ------------------
  const store = {
    read() { try { return JSON.parse(localStorage.getItem(STORE) || 'null') || {} } catch { return {} } },
    write(v) { try { localStorage.setItem(STORE, JSON.stringify(v)) } catch {} },
    drop() { try { localStorage.removeItem(STORE) } catch {} },
  }
  const saved = store.read()
  const persist = () => store.write({ token: state.token, seen: state.seen, open: state.open, surveyed: state.surveyed, page: store.read().page })

  // ---- state ---------------------------------------------------------------------------------
  const state = {
    config: null,
    token: saved.token || null,
    seen: saved.seen || 0, // the newest message id the visitor has looked at (unread badge)
    open: !!saved.open,
    view: 'loading', // loading | form | chat | error
    messages: new Map(), // id → VisitorMessage
    nodes: new Map(), // id → element
    lastEventId: null,
    closed: null, // { protocol } once the conversation is closed
    survey: null, // the survey offered: { message_id, kind, question, options, comment_question }
    surveyed: saved.surveyed || 0, // the survey message the visitor answered (kept across reloads)
    thanked: false,
    readSent: 0,
    stream: null,
    retryTimer: 0,
    retryDelay: 1000,
    typingTimer: 0,
    lastTypingSent: 0,
    settleTimer: 0,
  }

  // ---- the protocol --------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error && body.error.message) || 'HTTP ' + status)
      this.status = status
      this.code = body && body.error && body.error.code
      this.details = body && body.error && body.error.details
    }
  }
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

  // A request to /webchat/:key/…. A GET answered 429 waits (Retry-After) and tries again a few
  // times; a POST does not (the caller tells the visitor and keeps what they typed). 401 means the
  // token is gone (expired, revoked): the visitor starts over from the pre-chat form.
  async function api(path, o = {}) {
    for (let attempt = 0; ; attempt++) {
      const headers = Object.assign({ accept: 'application/json' }, o.headers)
      if (o.auth !== false && state.token) headers.authorization = 'Bearer ' + state.token
      let body = o.body
      if (o.json !== undefined) {
        headers['content-type'] = 'application/json'
        body = JSON.stringify(o.json)
      }
      const res = await fetch(BASE + path, { method: o.method || 'GET', headers, body, credentials: 'omit', mode: 'cors' })
      if (res.status === 429 && attempt < 3 && !o.method) {
        await sleep(Math.min(10, Number(res.headers.get('retry-after')) || 2) * 1000)
        continue
      }
      const data = res.status === 204 ? null : await res.json().catch(() => null)
      if (res.status === 401 && o.auth !== false) {
        lostSession()
        throw new ApiError(401, data)
      }
      if (!res.ok) throw new ApiError(res.status, data)
      return data
    }
  }

  // Media URLs (images, files, the transcript) carry the token as ?token=: an <img> cannot send headers.
  function withToken(url) {
    const u = new URL(url, ORIGIN)
    if (state.token && !u.searchParams.has('token')) u.searchParams.set('token', state.token)
    return u.href
  }

  // ---- the shadow root and its stylesheet -----------------------------------------------------
  const host = h('kumquat-webchat', { 'data-channel': KEY })
  const root = host.attachShadow({ mode: 'open' })
  const sheet = typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype ? new CSSStyleSheet() : null
  const CSS = `
:host{all:initial;position:fixed;right:20px;bottom:20px;z-index:2147483000;--kq-primary:#e0751a;--kq-on-primary:#fff}
.root{all:initial;display:block;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;text-align:left}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
button,input,textarea{font:inherit;color:inherit}
:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}
.launcher{position:relative;width:58px;height:58px;border-radius:50%;border:0;background:var(--kq-primary);color:var(--kq-on-primary);cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center;margin-left:auto}
.launcher svg{width:28px;height:28px;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#d1242f;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center}
.panel{position:absolute;right:0;bottom:72px;width:370px;height:min(600px,calc(100vh - 110px));background:#fff;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}
.head{background:var(--kq-primary);color:var(--kq-on-primary);padding:12px 14px;display:flex;align-items:center;gap:8px}
.head h2{font-size:16px;margin:0;flex:1;font-weight:600}
.x{background:transparent;border:0;color:inherit;font-size:22px;line-height:1;cursor:pointer;padding:4px 8px;border-radius:6px}
.body{flex:1;overflow:auto;padding:12px;background:#f6f7f9}
.notice{background:#fff8e1;border:1px solid #f0d98c;border-radius:8px;padding:8px 10px;margin:0 0 10px}
.problem{background:#ffebe9;border:1px solid #ffb8b0;color:#82071e;border-radius:8px;padding:8px 10px;margin:8px 0}
.greeting{color:#57606a;margin:0 0 10px}
form.prechat label{display:block;font-weight:600;margin:10px 0 4px}
form.prechat input[type=text],form.prechat input[type=email],form.prechat input[type=tel]{width:100%;padding:8px 10px;border:1px solid #c6cbd1;border-radius:8px;background:#fff}
form.prechat input[aria-invalid=true]{border-color:#d1242f}
.err{color:#b3261e;font-size:13px;margin:3px 0 0}
.consent{display:flex;gap:8px;align-items:flex-start;margin:14px 0 4px;font-weight:400!important}
.consent input{margin-top:3px}
a{color:#0b57d0}
.primary{background:var(--kq-primary);color:var(--kq-on-primary);border:0;border-radius:8px;padding:9px 16px;font-weight:600;cursor:pointer}
.primary:disabled{opacity:.6;cursor:default}
.secondary{background:#fff;border:1px solid var(--kq-primary);color:#1f2328;border-radius:8px;padding:7px 12px;cursor:pointer}
form.prechat .primary{width:100%;margin-top:14px}
.log{display:flex;flex-direction:column;gap:8px;margin:0;padding:0;list-style:none}
.msg{max-width:85%;display:flex;gap:6px;align-items:flex-end}
.msg.mine{align-self:flex-end;flex-direction:row-reverse}
.msg.sys{align-self:center;max-width:95%}
.avatar{width:28px;height:28px;border-radius:50%;flex:none;background:#d0d7de;color:#1f2328;display:grid;place-items:center;font-size:12px;font-weight:700;overflow:hidden;object-fit:cover}
.bubble{background:#fff;border:1px solid #e1e4e8;border-radius:12px;padding:7px 10px;min-width:0}
.mine .bubble{background:var(--kq-primary);color:var(--kq-on-primary);border-color:transparent}
.sys .bubble{background:transparent;border:0;color:#57606a;font-size:13px;text-align:center}
.who{font-size:12px;font-weight:600;color:#57606a;margin:0 0 2px}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.meta{font-size:11px;opacity:.8;margin:3px 0 0;text-align:right}
.bubble img{display:block;max-width:100%;max-height:220px;border-radius:8px;margin:2px 0}
.mine .bubble a{color:inherit}
.choices{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 0}
.choices button{background:#fff;border:1px solid var(--kq-primary);color:#1f2328;border-radius:16px;padding:5px 12px;cursor:pointer}
.choices button:disabled{opacity:.55;cursor:default}
.survey{background:#fff;border:1px solid #e1e4e8;border-radius:12px;padding:10px;margin:10px 0 0}
.survey p{margin:0 0 6px}
.survey textarea{width:100%;min-height:60px;border:1px solid #c6cbd1;border-radius:8px;padding:6px 8px;margin:6px 0}
.typing{font-size:12px;color:#57606a;font-style:italic;padding:4px 12px;min-height:22px;background:#f6f7f9}
.ended{padding:10px 12px;border-top:1px solid #e1e4e8;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.ended p{margin:0;flex:1 1 100%}
.composer{display:flex;gap:6px;align-items:flex-end;padding:8px;border-top:1px solid #e1e4e8;background:#fff}
.composer textarea{flex:1;resize:none;min-height:38px;max-height:120px;padding:8px 10px;border:1px solid #c6cbd1;border-radius:8px}
.icon{width:38px;height:38px;border-radius:8px;border:1px solid #c6cbd1;background:#fff;cursor:pointer;display:grid;place-items:center;flex:none}
.icon svg{width:20px;height:20px;fill:#57606a}
.upload{padding:6px 12px;background:#fff;border-top:1px solid #e1e4e8;font-size:13px}
.upload progress{width:100%}
.foot{font-size:12px;padding:6px 12px;background:#fff;border-top:1px solid #e1e4e8;text-align:right}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){:host{right:12px;bottom:12px}.panel{position:fixed;inset:0;width:auto;height:auto;border-radius:0}.launcher[aria-expanded=true]{display:none}}
`

  function applyStyles(extra) {
    if (sheet) {
      sheet.replaceSync(CSS + extra)
      root.adoptedStyleSheets = [sheet]
    } else {
      // Browsers without constructable stylesheets (old Safari): a <style> in the shadow root.
      let style = root.querySelector('style')
      if (!style) root.prepend((style = document.createElement('style')))
      style.textContent = CSS + extra
    }
  }
  applyStyles('')
  // Colours come from the channel's settings: accepted only as #rgb/#rrggbb so nothing else can reach the stylesheet.
  const colour = (c) => (typeof c === 'string' && /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(c.trim()) ? c.trim() : null)

  const ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z'
  const ICON_CLIP = 'M16.5 6.5v9a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v9.5a1.5 1.5 0 0 1-3 0V7H9v7.5a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v10.5a6 6 0 0 0 12 0v-9z'
  const ICON_SEND = 'M2 21l21-9L2 3v7l15 2-15 2z'
  function svg(d) {
    const NS = 'http://www.w3.org/2000/svg'
    const s = document.createElementNS(NS, 'svg')
    s.setAttribute('viewBox', '0 0 24 24')
    s.setAttribute('aria-hidden', 'true')
    const p = document.createElementNS(NS, 'path')
    p.setAttribute('d', d)
    s.append(p)
    return s
  }

  // ---- the static frame: launcher, panel, header ------------------------------------------------
  const panelId = nextId('panel')
  const titleId = nextId('title')
  const badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' })
  const launcher = h('button', { type: 'button', class: 'launcher', 'aria-label': T.open, 'aria-expanded': 'false', 'aria-controls': panelId, onclick: () => (state.open ? closePanel() : openPanel()) }, svg(ICON_CHAT), badge)
  const title = h('h2', { id: titleId }, T.title)
  const closeBtn = h('button', { type: 'button', class: 'x', 'aria-label': T.close, onclick: () => closePanel() }, '×')
  const body = h('div', { class: 'body' })
  const after = h('div') // composer / closed-state area under the scrolling body
  const panel = h('div', { class: 'panel', id: panelId, role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': titleId, hidden: true }, h('div', { class: 'head' }, title, closeBtn), body, after)
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.open) {
      e.stopPropagation()
      closePanel()
    }
  })
  // The wrapper resets what the host page's styles would pass down by inheritance (colour, font…).
  root.append(h('div', { class: 'root' }, panel, launcher))

  function openPanel(focus = true) {
    state.open = true
    panel.hidden = false
    launcher.setAttribute('aria-expanded', 'true')
    launcher.setAttribute('aria-label', T.close)
    persist()
    markSeen()
    scrollDown()
    const first = focus && panel.querySelector('textarea:not([disabled]), input:not([disabled]), .body button:not([disabled])')
    if (first) first.focus()
  }
  function closePanel() {
    state.open = false
    panel.hidden = true
    launcher.setAttribute('aria-expanded', 'false')
    launcher.setAttribute('aria-label', T.open)
    persist()
    launcher.focus()
  }

  // ---- unread badge and read receipts ----------------------------------------------------------
  const mine = (m) => m.author === 'customer'
  function unreadCount() {
    let n = 0
    for (const m of state.messages.values()) if (!mine(m) && m.author !== 'system' && m.id > state.seen) n++
    return n
  }
  function updateBadge() {
    const n = state.open ? 0 : unreadCount()
    badge.hidden = n === 0
    badge.textContent = n > 9 ? '9+' : String(n)
    launcher.setAttribute('aria-label', state.open ? T.close : n ? T.open + ' — ' + T.unread(n) : T.open)
  }
  function markSeen() {
    let newest = 0
    for (const m of state.messages.values()) if (!mine(m) && m.id > newest) newest = m.id
    if (state.open && document.visibilityState === 'visible' && state.view === 'chat') {
      if (newest > state.seen) {
        state.seen = newest
        persist()
      }
      if (newest > state.readSent) {
        state.readSent = newest
        api('/read', { method: 'POST', json: { up_to_id: newest } }).catch(() => {
          state.readSent = 0
        })
      }
    }
    updateBadge()
  }
  document.addEventListener('visibilitychange', markSeen)

  // ---- views -----------------------------------------------------------------------------------
  function showError(text, canRetry) {
    state.view = 'error'
    clear(body)
    clear(after)
    body.append(h('p', { class: 'problem', role: 'alert' }, text))
    if (canRetry) body.append(h('button', { type: 'button', class: 'secondary', onclick: () => start() }, T.retry))
  }

  function offHoursNotice() {
    const c = state.config
    return c && c.offHours ? h('p', { class: 'notice', role: 'status' }, c.offHours) : null
  }

  // The pre-chat form: the fields the channel asks for, checked here (the server checks again).
  function showForm(prefill = {}) {
    state.view = 'form'
    const c = state.config
    clear(body)
    clear(after)
    const fields = {}
    const field = (name, label, type, required, autocomplete) => {
      const id = nextId(name)
      const errId = id + '-err'
      const input = h('input', { id, name, type, required: required || null, autocomplete, 'aria-describedby': errId, value: prefill[name] || null })
      const err = h('p', { class: 'err', id: errId, hidden: true })
      fields[name] = { input, err }
      return h('div', null, h('label', { for: id }, label, required ? '' : T.optional), input, err)
    }
    const consentId = nextId('consent')
    const consent = h('input', { type: 'checkbox', id: consentId, name: 'consent', required: true, 'aria-describedby': consentId + '-err' })
    const consentErr = h('p', { class: 'err', id: consentId + '-err', hidden: true })
    fields.consent = { input: consent, err: consentErr }
    const status = h('p', { class: 'problem', role: 'alert', hidden: true })
    const submit = h('button', { type: 'submit', class: 'primary' }, T.start)
    const form = h(
      'form',
      { class: 'prechat', novalidate: true, 'aria-labelledby': titleId },
      c.greeting ? h('p', { class: 'greeting' }, c.greeting) : null,
      offHoursNotice(),
      field('name', T.name, 'text', true, 'name'),
      c.fields.email !== 'hidden' ? field('email', T.email, 'email', c.fields.email === 'required', 'email') : null,
      c.fields.phone !== 'hidden' ? field('phone', T.phone, 'tel', c.fields.phone === 'required', 'tel') : null,
      c.fields.code !== 'hidden' ? field('code', T.code, 'text', c.fields.code === 'required', 'off') : null,
      h('label', { class: 'consent', for: consentId }, consent, h('span', null, c.consentText || T.consent)),
      c.privacyUrl ? h('p', null, h('a', { href: c.privacyUrl, target: '_blank', rel: 'noopener noreferrer' }, T.policy)) : null,
      consentErr,
      status,
      submit,
    )
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      const v = {}
      for (const k in fields) if (k !== 'consent') v[k] = fields[k].input.value.trim()
      const errors = validate(v, consent.checked)
      for (const k in fields) setFieldError(fields[k], errors[k])
      status.hidden = true
      const firstBad = Object.keys(fields).find((k) => errors[k])
      if (firstBad) {
        fields[firstBad].input.focus()
        return
      }
      submit.disabled = true
      submit.textContent = T.starting
      try {
        const payload = { name: v.name, consent: true, page_url: location.href, locale: LOCALE }
        if (v.email) payload.email = v.email
        if (v.phone) payload.phone = v.phone
        if (v.code) payload.code = v.code
        const res = await api('/sessions', { method: 'POST', json: payload, auth: false })
        state.token = res.visitor_token
        state.seen = 0
        state.readSent = 0
        state.closed = null
        state.survey = null
        state.surveyed = 0
        state.thanked = false
        state.messages.clear()
        state.nodes.clear()
        state.lastEventId = null
        persist()
        await enterChat()
      } catch (err) {
        submit.disabled = false
        submit.textContent = T.start
        const details = (err && err.details) || []
        let placed = false
        for (const d of Array.isArray(details) ? details : []) {
          const f = fields[d.field]
          if (f) {
            setFieldError(f, d.message)
            placed = true
          }
        }
        status.textContent = placed ? T.fixForm : messageFor(err)
        status.hidden = false
      }
    })
    body.append(form)
  }
  function setFieldError(f, text) {
    f.err.textContent = text || ''
    f.err.hidden = !text
    if (text) f.input.setAttribute('aria-invalid', 'true')
    else f.input.removeAttribute('aria-invalid')
  }
  function messageFor(err) {
    if (!(err instanceof ApiError)) return T.failed // network error or CORS refusal
    if (err.status === 403) return T.unavailable
    if (err.status === 429) return T.tooMany
    return err.message || T.failed
  }

  function validate(v, consented) {
    const c = state.config.fields
    const e = {}
    if (!v.name) e.name = T.errName
    if (v.email !== undefined) {
      if (v.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email)) e.email = T.errEmail
      else if (!v.email && c.email === 'required') e.email = T.errEmailReq
    }
    if (v.phone !== undefined) {
      const digits = v.phone.replace(/\D/g, '')
      if (v.phone && (digits.length < 10 || digits.length > 13 || /[^\d\s()+.-]/.test(v.phone))) e.phone = T.errPhone
      else if (!v.phone && c.phone === 'required') e.phone = T.errPhoneReq
    }
    // "E-mail or phone": at least one way to reach the visitor when both are offered and neither is required.
    if (c.contact && !v.email && !v.phone && !e.email && !e.phone) {
      if (v.email !== undefined) e.email = T.errContact
      else if (v.phone !== undefined) e.phone = T.errContact
    }
    if (v.code !== undefined) {
      if (v.code && !validCode(v.code)) e.code = T.errCode
      else if (!v.code && c.code === 'required') e.code = T.errCodeReq
    }
    if (!consented) e.consent = T.errConsent
    return e
  }

  // CPF (11 digits) or CNPJ (14 characters, the alphanumeric one too: value = ASCII − 48).
  function validCode(raw) {
    const s = raw.toUpperCase().replace(/[.\-/\s]/g, '')
    const dv = (chars, weights) => {
      let sum = 0
      for (let i = 0; i < weights.length; i++) sum += (chars.charCodeAt(i) - 48) * weights[i]
      const r = sum % 11
      return r < 2 ? 0 : 11 - r
    }
    if (/^\d{11}$/.test(s)) {
      if (/^(\d)\1{10}$/.test(s)) return false
      const w1 = [10, 9, 8, 7, 6, 5, 4, 3, 2]
      const w2 = [11, 10, 9, 8, 7, 6, 5, 4, 3, 2]
      return dv(s, w1) === +s[9] && dv(s, w2) === +s[10]
    }
    if (/^[0-9A-Z]{12}\d{2}$/.test(s)) {
      if (/^(\d)\1{13}$/.test(s)) return false
      const w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
      const w2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
      return dv(s, w1) === +s[12] && dv(s, w2) === +s[13]
    }
    return false
  }

  // ---- the conversation ------------------------------------------------------------------------
  let log, typingLine, problemLine, composer, textBox, sendBtn, fileInput, attachBtn, uploadBox, surveyBox, endedBox
  function showChat() {
    state.view = 'chat'
    clear(body)
    clear(after)
    state.nodes.clear()
    const c = state.config
    log = h('ol', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': T.messages })
    problemLine = h('p', { class: 'problem', role: 'alert', hidden: true })
    surveyBox = h('div', { hidden: true })
    body.append(c.greeting ? h('p', { class: 'greeting' }, c.greeting) : '', offHoursNotice() || '', log, surveyBox)
    typingLine = h('div', { class: 'typing', 'aria-live': 'polite' })
    const textId = nextId('text')
    textBox = h('textarea', { id: textId, rows: 1, placeholder: T.placeholder, 'aria-label': T.message, maxlength: 4000 })
    textBox.addEventListener('keydown', (e) => {
      // Enter sends, Shift+Enter is a new line (and no send while an IME composes a word).
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault()
        sendText()
      }
    })
    textBox.addEventListener('input', () => {
      textBox.rows = Math.min(5, textBox.value.split('\n').length)
      typing()
    })
    sendBtn = h('button', { type: 'button', class: 'icon', 'aria-label': T.send, onclick: () => sendText() }, svg(ICON_SEND))
    fileInput = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp,image/gif,application/pdf', hidden: true, tabindex: '-1', 'aria-hidden': 'true' })
    fileInput.addEventListener('change', () => {
      const f = fileInput.files && fileInput.files[0]
      fileInput.value = ''
      if (f) upload(f)
    })
    attachBtn = h('button', { type: 'button', class: 'icon', 'aria-label': T.attach, title: T.attach, hidden: !c.uploads, onclick: () => fileInput.click() }, svg(ICON_CLIP))
    uploadBox = h('div', { class: 'upload', hidden: true, role: 'status' })
    composer = h('div', { class: 'composer' }, attachBtn, fileInput, textBox, sendBtn)
    endedBox = h('div', { class: 'ended', hidden: true })
    const transcript = h('button', { type: 'button', class: 'secondary', onclick: downloadTranscript }, T.transcript)
    after.append(problemLine, typingLine, uploadBox, composer, endedBox, h('div', { class: 'foot' }, transcript))
    for (const m of sorted()) place(m)
    renderClosed()
    renderSurvey()
    scrollDown()
  }

  const sorted = () => [...state.messages.values()].sort((a, b) => a.id - b.id)

  function authorLabel(m) {
    if (mine(m)) return T.you
    return m.author_name || (m.author === 'bot' ? T.bot : m.author === 'system' ? T.system : T.agent)
  }
  function avatar(m) {
    if (m.author_avatar_url) return h('img', { class: 'avatar', src: withToken(m.author_avatar_url), alt: '' })
    const initials = String(authorLabel(m)).trim().split(/\s+/).slice(0, 2).map((w) => w[0] || '').join('').toUpperCase()
    return h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials)
  }
  function sizeText(n) {
    if (!n && n !== 0) return ''
    return n < 1024 ? n + ' B' : n < 1048576 ? Math.round(n / 1024) + ' KB' : (n / 1048576).toFixed(1) + ' MB'
  }
  function timeText(iso) {
    const d = new Date(iso)
    return isNaN(d) ? '' : d.toLocaleTimeString(LOCALE, { hour: '2-digit', minute: '2-digit' })
  }

  function renderMessage(m) {
    const own = mine(m)
    const sys = m.author === 'system'
    const bubble = h('div', { class: 'bubble' })
    if (!own && !sys) bubble.append(h('p', { class: 'who' }, authorLabel(m)))
    else bubble.append(h('span', { class: 'sr' }, authorLabel(m) + ': '))
    if (m.media && m.media.url) {
      const url = withToken(m.media.url)
      const name = m.media.filename || T.image
      if (m.type === 'image' || /^image\//.test(m.media.mime_type || '')) {
        bubble.append(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, h('img', { src: url, alt: m.text || name, loading: 'lazy' })))
      } else {
        bubble.append(h('p', { class: 'text' }, h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', download: name }, '📎 ' + name), m.media.size ? ' (' + sizeText(m.media.size) + ')' : ''))
      }
    }
    if (m.text) bubble.append(h('p', { class: 'text' }, m.text))
    // A survey's options are answered in the survey box under the conversation, not here.
    if (Array.isArray(m.buttons) && m.buttons.length && !m.survey) {
      const box = h('div', { class: 'choices', role: 'group', 'aria-label': m.text || '' })
      for (const b of m.buttons) {
        box.append(
          h('button', { type: 'button', 'data-payload': b.id, onclick: () => choose(box, b) }, b.title),
        )
      }
      bubble.append(box)
    }
    const meta = h('p', { class: 'meta' }, timeText(m.created_at))
    if (own && T.status[m.status]) meta.append(' · ', h('span', { class: 'status', 'data-status': m.status }, T.status[m.status]))
    bubble.append(meta)
    const li = h('li', { class: 'msg' + (own ? ' mine' : '') + (sys ? ' sys' : ''), 'data-id': m.id }, own || sys ? '' : avatar(m), bubble)
    return li
  }

  // Inserts or replaces one message, in id order: the same id twice (POST answer, the stream, a
  // replay after a reconnect, the list fetched again) is one bubble.
  function place(m) {
    if (!log) return
    const el = renderMessage(m)
    const old = state.nodes.get(m.id)
    const last = log.lastElementChild
    if (old) old.replaceWith(el)
    else if (!last || Number(last.getAttribute('data-id')) < m.id) log.append(el) // the usual case: newest
    else {
      let before = null
      for (const child of log.children) {
        if (Number(child.getAttribute('data-id')) > m.id) {
          before = child
          break
        }
      }
      log.insertBefore(el, before)
    }
    state.nodes.set(m.id, el)
  }
  // Menu buttons stay usable only on the newest message that has them, until the visitor answers.
  function disableStaleChoices() {
    const list = sorted()
    let lastWithButtons = null
    for (const m of list) if (Array.isArray(m.buttons) && m.buttons.length && !m.survey) lastWithButtons = m
    const answered = lastWithButtons && list.some((m) => m.id > lastWithButtons.id && mine(m))
    for (const [id, el] of state.nodes) {
      const live = lastWithButtons && id === lastWithButtons.id && !answered && !state.closed
      for (const b of el.querySelectorAll('.choices button')) b.disabled = !live
    }
  }

  function upsert(m) {
    if (!m || typeof m.id !== 'number') return
    const prev = state.messages.get(m.id)
    // A copy fetched before a status change arrived (the list racing the stream) never steps back.
    if (prev && (RANK[m.status] || 0) < (RANK[prev.status] || 0)) m = Object.assign({}, m, { status: prev.status })
    state.messages.set(m.id, m)
    // The agent's message arrived: they stopped typing.
    if (!prev && !mine(m) && typingLine) {
      clearTimeout(state.typingTimer)
      typingLine.textContent = ''
    }
    if (m.survey) offerSurvey(Object.assign({ message_id: m.id }, m.survey))
    place(m)
    if (stick || mine(m)) scrollDown()
    settle()
  }
  // Once a burst of messages is placed (a fetched list, a replay): menus, unread badge, read receipt.
  function settle() {
    clearTimeout(state.settleTimer)
    state.settleTimer = setTimeout(() => {
      disableStaleChoices()
      markSeen()
    }, 30)
  }

  const RANK = { queued: 1, sent: 2, received: 2, delivered: 3, read: 4, failed: 5 }

  // The conversation follows the newest message (new bubbles, images finishing loading) unless the
  // visitor scrolled up to read.
  let stick = true
  const nearBottom = () => body.scrollHeight - body.scrollTop - body.clientHeight < 80
  function scrollDown() {
    body.scrollTop = body.scrollHeight
    stick = true
  }
  body.addEventListener('scroll', () => {
    stick = nearBottom()
  })
  body.addEventListener('load', () => stick && scrollDown(), true)

  function setProblem(text) {
    if (!problemLine) return
    problemLine.textContent = text || ''
    problemLine.hidden = !text
  }

  async function send(payload) {
    const m = await api('/messages', { method: 'POST', json: payload })
    const msg = m && (m.data || m)
    if (msg && typeof msg.id === 'number') upsert(msg)
    return msg
  }
  async function sendText() {
    const text = textBox.value.trim()
    if (!text || state.closed) return
    sendBtn.disabled = true
    try {
      await send({ text })
      textBox.value = ''
      textBox.rows = 1
      state.lastTypingSent = 0 // the next keystroke starts a new typing notice
      setProblem('')
    } catch (err) {
      // The text stays in the box: nothing the visitor typed is lost.
      setProblem(err instanceof ApiError ? (err.status === 429 ? T.tooMany : err.message) : T.sendFailed)
    } finally {
      sendBtn.disabled = false
      textBox.focus()
    }
  }
  async function choose(box, b) {
    for (const x of box.querySelectorAll('button')) x.disabled = true
    try {
      await send({ text: b.title, payload: b.id })
      setProblem('')
    } catch (err) {
      for (const x of box.querySelectorAll('button')) x.disabled = false
      setProblem(err instanceof ApiError ? err.message : T.sendFailed)
    }
  }

  function typing() {
    const now = Date.now()
    if (now - state.lastTypingSent < 3000 || !textBox.value) return
    state.lastTypingSent = now
    api('/typing', { method: 'POST', json: {} }).catch(() => {})
  }
  function agentTyping(d) {
    if (!typingLine) return
    typingLine.textContent = T.typing(d && d.name)
    clearTimeout(state.typingTimer)
    state.typingTimer = setTimeout(() => {
      typingLine.textContent = ''
    }, 5000)
  }

  // Attachments: checked here for type and size (the server checks the content again), sent as
  // multipart with XMLHttpRequest, the only browser API that reports upload progress.
  const UPLOAD_TYPES = /^(image\/(jpeg|png|webp|gif)|application\/pdf)$/
  function upload(file) {
    const max = state.config.maxUploadBytes
    if (!UPLOAD_TYPES.test(file.type)) return uploadProblem(T.fileType)
    if (max && file.size > max) return uploadProblem(T.fileSize(sizeText(max)))
    const bar = h('progress', { max: 100, value: 0, 'aria-label': T.uploading(file.name) })
    clear(uploadBox)
    uploadBox.append(h('span', null, T.uploading(file.name)), bar)
    uploadBox.hidden = false
    const form = new FormData()
    form.append('file', file, file.name)
    const caption = textBox.value.trim()
    if (caption) form.append('caption', caption)
    const xhr = new XMLHttpRequest()
    xhr.open('POST', BASE + '/messages')
    xhr.setRequestHeader('authorization', 'Bearer ' + state.token)
    xhr.setRequestHeader('accept', 'application/json')
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100)
    }
    xhr.onload = () => {
      let data = null
      try {
        data = JSON.parse(xhr.responseText)
      } catch {}
      if (xhr.status === 401) return lostSession()
      if (xhr.status >= 200 && xhr.status < 300) {
        uploadBox.hidden = true
        if (caption) textBox.value = ''
        const msg = data && (data.data || data)
        if (msg && typeof msg.id === 'number') upsert(msg)
      } else uploadProblem(xhr.status === 429 ? T.tooMany : (data && data.error && data.error.message) || T.uploadFailed)
    }
    xhr.onerror = () => uploadProblem(T.uploadFailed)
    xhr.send(form)
  }
  function uploadProblem(text) {
    clear(uploadBox)
    uploadBox.append(h('span', { class: 'err', role: 'alert' }, text))
    uploadBox.hidden = false
  }

  // The transcript needs the token: fetched with it, handed to the visitor as a download.
  async function downloadTranscript() {
    try {
      const res = await fetch(BASE + '/transcript', { headers: { authorization: 'Bearer ' + state.token }, credentials: 'omit' })
      if (res.status === 401) return lostSession()
      if (!res.ok) throw new Error('HTTP ' + res.status)
      const blob = await res.blob()
      const a = h('a', { href: URL.createObjectURL(blob), download: filenameOf(res.headers.get('content-disposition')), hidden: true })
      root.append(a)
      a.click()
      setTimeout(() => {
        URL.revokeObjectURL(a.href)
        a.remove()
      }, 1000)
    } catch {
      setProblem(T.failed)
    }
  }

  // Content-Disposition's filename*=UTF-8''… (RFC 6266) or filename="…".
  function filenameOf(cd) {
    const star = /filename\*=UTF-8''([^;]+)/i.exec(cd || '')
    if (star) {
      try {
        return decodeURIComponent(star[1])
      } catch {}
    }
    const plain = /filename="?([^";]+)"?/i.exec(cd || '')
    return plain ? plain[1] : 'conversa.txt'
  }

  // ---- closed conversation and survey -----------------------------------------------------------
  function renderClosed() {
    if (!composer) return
    const closed = !!state.closed
    composer.hidden = closed
    attachBtn.hidden = !state.config.uploads
    clear(endedBox)
    endedBox.hidden = !closed
    if (closed) {
      typingLine.textContent = ''
      endedBox.append(
        h('p', { role: 'status' }, T.closed + (state.closed.protocol ? ' ' + T.protocol(state.closed.protocol) + '.' : '')),
        h('button', { type: 'button', class: 'primary', onclick: newConversation }, T.newChat),
      )
    }
    disableStaleChoices()
  }

  function offerSurvey(s) {
    if (!s || !(s.message_id > state.surveyed) || (state.survey && state.survey.message_id > s.message_id)) return
    state.survey = s
    renderSurvey()
  }
  // The survey's answers as buttons under the conversation; then the optional comment; then thanks.
  function renderSurvey() {
    if (!surveyBox) return
    clear(surveyBox)
    const s = state.survey
    const answered = s && s.message_id <= state.surveyed
    surveyBox.hidden = !s || (answered && !state.thanked)
    if (surveyBox.hidden) return
    const box = h('section', { class: 'survey', 'aria-label': s.question || '' })
    surveyBox.append(box)
    if (answered) {
      box.append(h('p', { role: 'status' }, T.thanks))
      return
    }
    const status = h('p', { class: 'err', role: 'alert', hidden: true })
    const choices = h('div', { class: 'choices', role: 'group', 'aria-label': s.question || '' })
    const answer = async (o) => {
      for (const b of choices.querySelectorAll('button')) b.disabled = true
      const score = scoreOf(o)
      try {
        await api('/survey', { method: 'POST', json: { score } })
        state.surveyed = s.message_id
        persist()
        askComment(box, s)
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          // Answered elsewhere (another tab) or expired: nothing left to ask.
          state.surveyed = s.message_id
          persist()
          return renderSurvey()
        }
        for (const b of choices.querySelectorAll('button')) b.disabled = false
        status.textContent = messageFor(err)
        status.hidden = false
      }
    }
    for (const o of s.options || []) choices.append(h('button', { type: 'button', onclick: () => answer(o) }, o.title))
    // The question is already in the conversation when it came as a message; say it here otherwise.
    const shown = state.messages.get(s.message_id)
    box.append(shown && shown.text ? '' : h('p', null, s.question || ''), choices, status)
    scrollDown()
  }
  // An option's score: its id ends with it ("survey:12:5", or just "5").
  function scoreOf(o) {
    if (typeof o.score === 'number') return o.score
    const m = /(\d+)$/.exec(String(o.id))
    return m ? Number(m[1]) : NaN
  }
  function askComment(box, s) {
    clear(box)
    if (!s.comment_question) return surveyFinished()
    const id = nextId('comment')
    const text = h('textarea', { id, maxlength: 1000 })
    const status = h('p', { class: 'err', role: 'alert', hidden: true })
    const sendComment = async () => {
      const comment = text.value.trim()
      if (!comment) return surveyFinished()
      try {
        // The score is stored; the server now waits for the comment as the visitor's next message.
        await send({ text: comment })
        surveyFinished()
      } catch (err) {
        status.textContent = messageFor(err)
        status.hidden = false
      }
    }
    box.append(
      h('label', { for: id }, s.comment_question),
      text,
      status,
      h('div', { class: 'choices' }, h('button', { type: 'button', class: 'primary', onclick: sendComment }, T.sendComment), h('button', { type: 'button', class: 'secondary', onclick: surveyFinished }, T.skip)),
    )
    text.focus()
    scrollDown()
  }
  function surveyFinished() {
    state.thanked = true
    renderSurvey()
  }

  // "Nova conversa": the same session goes on (the server opens a new ticket with the next
  // message); the closed conversation stays above as history.
  function newConversation() {
    state.closed = null
    state.survey = null
    renderClosed()
    renderSurvey()
    textBox.focus()
  }
  function forget() {
    stopStream()
    state.token = null
    state.seen = 0
    state.readSent = 0
    state.messages.clear()
    state.nodes.clear()
    state.closed = null
    state.survey = null
    state.surveyed = 0
    state.thanked = false
    state.lastEventId = null
    log = null
    persist()
  }
  // The token is no longer valid (401): back to the form, keeping nothing of the old conversation.
  function lostSession() {
    forget()
    store.drop()
    showForm(state.prefill || {})
  }

  // ---- the live stream ------------------------------------------------------------------------
  // EventSource reconnects by itself after a network loss and sends Last-Event-ID, so the server
  // replays what was missed; when the browser gives up (readyState CLOSED) we reconnect ourselves
  // with ?last_event_id=. Either way, after every reconnect the message list is fetched again and
  // merged by id: nothing is lost, nothing is shown twice.
  function connect() {
    stopStream()
    if (!state.token) return
    let url = BASE + '/events?token=' + encodeURIComponent(state.token)
    if (state.lastEventId) url += '&last_event_id=' + encodeURIComponent(state.lastEventId)
    const es = new EventSource(url)
    state.stream = es
    let opened = false
    const track = (e) => {
      if (e.lastEventId) state.lastEventId = e.lastEventId
    }
    const on = (name, fn) =>
      es.addEventListener(name, (e) => {
        track(e)
        let d = null
        try {
          d = JSON.parse(e.data)
        } catch {
          return
        }
        fn(d)
      })
    on('message.created', upsert)
    on('message.updated', upsert)
    on('agent.typing', agentTyping)
    on('survey.requested', offerSurvey)
    on('conversation.closed', (d) => {
      state.closed = { protocol: (d && d.protocol) || '' }
      renderClosed()
    })
    es.onopen = () => {
      setProblem('')
      state.retryDelay = 1000
      if (opened) return
      opened = true
      // Fetched again once the stream is open: covers a message written between the first fetch and
      // the stream (which starts from now), or a gap the server could no longer replay.
      refresh().catch(() => {})
    }
    es.onerror = () => {
      opened = false
      if (es.readyState === EventSource.CLOSED) {
        // Refused (401, the session ended) or the browser stopped retrying: check, then retry later.
        state.stream = null
        setProblem(T.offline)
        clearTimeout(state.retryTimer)
        state.retryTimer = setTimeout(() => resume().catch(() => {}), state.retryDelay)
        state.retryDelay = Math.min(state.retryDelay * 2, 30000)
      } else setProblem(T.offline)
    }
  }
  function stopStream() {
    clearTimeout(state.retryTimer)
    if (state.stream) state.stream.close()
    state.stream = null
  }
  window.addEventListener('online', () => {
    if (state.token && !state.stream && state.view === 'chat') resume().catch(() => {})
  })

  // The whole conversation, oldest first, 500 at a time (after_id pages on).
  async function refresh() {
    let after = 0
    for (;;) {
      const res = await api('/messages' + (after ? '?after_id=' + after : ''))
      const list = (res && res.data) || []
      for (const m of list) upsert(m)
      if (list.length < 500) return
      after = list[list.length - 1].id
    }
  }

  // GET /session (is the token still good? is the conversation closed?), GET /messages, then the stream.
  async function resume() {
    const s = await api('/session')
    applySession(s)
    reportPage()
    await refresh()
    if (state.view !== 'chat') showChat()
    connect()
  }
  // The agent's side panel shows the page the visitor is on: say so when it is another one.
  function reportPage() {
    if (store.read().page === location.href) return
    api('/page', { method: 'POST', json: { page_url: location.href } })
      .then(() => store.write(Object.assign(store.read(), { page: location.href })))
      .catch(() => {})
  }

  // GET /session → { name, ticket: { protocol, status } | null, agent: { name, avatar_url } | null }
  function applySession(s) {
    const d = s || {}
    state.prefill = { name: d.name || '' }
    state.closed = d.ticket && d.ticket.status === 'closed' ? { protocol: d.ticket.protocol || '' } : null
  }

  async function enterChat() {
    await resume()
    if (textBox && !state.closed) textBox.focus()
  }

  // ---- configuration ---------------------------------------------------------------------------
  // GET /config (src/channels/webchat/protocol.ts): { title, greeting, colors: { primary, text },
  // prechat: { email, phone, code: "required"|"optional"|"hidden" }, consent: { text, policy_url },
  // uploads, max_file_bytes, open, out_of_hours_message }. Absent fields fall back to defaults.
  function normalizeConfig(raw) {
    const c = raw || {}
    const colors = c.colors || {}
    const pre = c.prechat || {}
    const consent = c.consent || {}
    const mode = (v) => (v === 'required' || v === 'hidden' ? v : 'optional')
    const fields = { email: mode(pre.email), phone: mode(pre.phone), code: mode(pre.code) }
    // Neither e-mail nor phone required on its own, both offered: ask for at least one of them.
    fields.contact = fields.email === 'optional' && fields.phone === 'optional'
    const policy = consent.policy_url || ''
    return {
      title: c.title || T.title,
      greeting: c.greeting || '',
      primary: colour(colors.primary),
      onPrimary: colour(colors.text),
      consentText: consent.text || '',
      privacyUrl: /^https?:\/\//i.test(policy) ? policy : '',
      uploads: c.uploads !== false,
      maxUploadBytes: Number(c.max_file_bytes) || 0,
      offHours: c.open === false ? c.out_of_hours_message || T.offHours : null,
      fields,
    }
  }
  function applyConfig(c) {
    state.config = c
    title.textContent = c.title
    let extra = ':host{'
    if (c.primary) extra += '--kq-primary:' + c.primary + ';'
    if (c.onPrimary) extra += '--kq-on-primary:' + c.onPrimary + ';'
    applyStyles(extra + '}')
  }

  async function start() {
    state.view = 'loading'
    clear(body)
    body.append(h('p', { role: 'status' }, T.starting))
    let config
    try {
      config = await api('/config', { auth: false })
    } catch (err) {
      // A site not in the channel's allowed origins gets no CORS headers: the fetch fails.
      state.config = normalizeConfig({})
      return showError(err instanceof ApiError && err.status !== 403 && err.status !== 404 ? T.failed : T.unavailable, !(err instanceof ApiError) || err.status >= 500)
    }
    applyConfig(normalizeConfig(config))
    if (!state.token) return showForm()
    try {
      await resume()
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return // lostSession showed the form
      showError(T.failed, true)
    }
    if (state.open) openPanel(false)
  }

  function mount() {
    document.body.append(host)
    if (state.open) {
      panel.hidden = false
      launcher.setAttribute('aria-expanded', 'true')
      launcher.setAttribute('aria-label', T.close)
    }
    start()
  }
  if (document.body) mount()
  else document.addEventListener('DOMContentLoaded', mount)
})()
