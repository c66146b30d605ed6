// Small enhancers for server-rendered pages (loaded with `defer`; no inline scripts anywhere).
(() => {
  // Live connection indicator: the header shows when the event stream is down and reconnecting.
  const setLive = (up) => document.querySelectorAll('[data-live]').forEach((el) => el.classList.toggle('down', !up))
  document.addEventListener('htmx:sse:after:connection', () => setLive(true))
  document.addEventListener('htmx:sse:error', () => setLive(false))
  document.addEventListener('htmx:sse:close', () => setLive(false))

  // Plain (non-htmx) forms with data-confirm ask before submitting; htmx elements use hx-confirm.
  document.addEventListener('submit', (evt) => {
    const form = evt.target.closest('form[data-confirm]')
    if (form && !window.confirm(form.getAttribute('data-confirm'))) evt.preventDefault()
  })

  // "Copiar" buttons next to secrets shown once (API tokens).
  document.addEventListener('click', (evt) => {
    const btn = evt.target.closest('[data-copy]')
    if (!btn) return
    const el = document.getElementById(btn.getAttribute('data-copy'))
    if (el && navigator.clipboard) navigator.clipboard.writeText(el.textContent.trim()).then(() => { btn.textContent = btn.getAttribute('data-copied') || '✓' })
  })

  // The conversation (desk): keep it scrolled to the newest message — on load, when a message
  // arrives over the live stream or an image finishes loading — unless the agent scrolled up to
  // read; and after the agent sends something.
  const nearBottom = (el) => el.scrollHeight - el.scrollTop - el.clientHeight < 80
  const toBottom = (el) => { el.scrollTop = el.scrollHeight }
  const follow = (el) => {
    if (el.kqFollowing) return
    el.kqFollowing = true
    el.kqStick = true
    toBottom(el)
    el.addEventListener('scroll', () => { el.kqStick = nearBottom(el) })
    el.addEventListener('load', () => { if (el.kqStick) toBottom(el) }, true)
    new MutationObserver(() => { if (el.kqStick) toBottom(el) }).observe(el, { childList: true, subtree: true })
  }
  document.querySelectorAll('[data-conversation]').forEach(follow)
  document.addEventListener('submit', (evt) => {
    if (!evt.target.closest('.composer')) return
    document.querySelectorAll('[data-conversation]').forEach((el) => { el.kqStick = true })
  })

  // The page's live stream resumes from the moment the page was read (data-event-cursor), so a
  // message that arrived while the page loaded is neither lost nor shown twice.
  document.addEventListener('htmx:config:request', (evt) => {
    const req = evt.detail && evt.detail.ctx && evt.detail.ctx.request
    if (!req || new URL(req.action, location.href).pathname !== '/events') return
    const cursor = document.querySelector('[data-event-cursor]')
    const has = Object.keys(req.headers).some((k) => k.toLowerCase() === 'last-event-id')
    if (cursor && !has) req.headers['Last-Event-ID'] = cursor.getAttribute('data-event-cursor')
  })

  // ---- quick replies: typing /atalho in a composer opens a filtered picker (data-qr-url answers
  // with the matching replies, already expanded); arrows move, Enter or Tab inserts, Esc closes.
  const qrList = (box) => document.getElementById(box.getAttribute('data-qr-list'))
  const qrOptions = (box) => { const l = qrList(box); return l && !l.hidden ? Array.from(l.querySelectorAll('[role=option]')) : [] }
  const qrToken = (box) => {
    const upto = box.value.slice(0, box.selectionStart)
    const m = /(^|\s)\/([a-z0-9_-]{0,30})$/i.exec(upto)
    return m ? { start: upto.length - m[2].length - 1, prefix: m[2] } : null
  }
  const qrClose = (box) => {
    const l = qrList(box)
    if (l) { l.hidden = true; l.replaceChildren() }
    box.kqQr = null
    box.setAttribute('aria-expanded', 'false')
    box.removeAttribute('aria-activedescendant')
  }
  const qrSelect = (box, option) => {
    qrOptions(box).forEach((o) => o.setAttribute('aria-selected', String(o === option)))
    if (option) { box.setAttribute('aria-activedescendant', option.id); option.scrollIntoView({ block: 'nearest' }) }
  }
  const qrInsert = (box, option) => {
    const tok = box.kqQr
    if (!tok || !option) return
    const text = option.getAttribute('data-text') || ''
    const before = box.value.slice(0, tok.start)
    const after = box.value.slice(box.selectionStart)
    box.value = before + text + after
    const caret = before.length + text.length
    box.setSelectionRange(caret, caret)
    qrClose(box)
    box.focus()
  }
  let qrSeq = 0
  document.addEventListener('input', (evt) => {
    const box = evt.target.closest && evt.target.closest('textarea[data-qr-url]')
    if (!box) return
    const tok = qrToken(box)
    if (!tok) { if (box.kqQr) qrClose(box); return }
    box.kqQr = tok
    clearTimeout(box.kqQrTimer)
    box.kqQrTimer = setTimeout(() => {
      const seq = ++qrSeq
      fetch(box.getAttribute('data-qr-url') + '&q=' + encodeURIComponent(tok.prefix), { headers: { 'hx-request': 'true' } })
        .then((r) => (r.ok ? r.text() : ''))
        .then((html) => {
          const l = qrList(box)
          if (seq !== qrSeq || !box.kqQr || !l) return
          l.innerHTML = html // our own server-rendered, escaped fragment
          l.hidden = false
          box.setAttribute('aria-expanded', 'true')
          qrSelect(box, l.querySelector('[role=option][aria-selected=true]'))
        })
        .catch(() => {})
    }, 120)
  })
  document.addEventListener('keydown', (evt) => {
    const box = evt.target.closest && evt.target.closest('textarea[data-qr-url]')
    if (!box || !box.kqQr || evt.isComposing) return
    if (evt.key === 'Escape') { evt.preventDefault(); qrClose(box); return }
    const options = qrOptions(box)
    if (!options.length) return
    const at = options.findIndex((o) => o.getAttribute('aria-selected') === 'true')
    if (evt.key === 'ArrowDown' || evt.key === 'ArrowUp') {
      evt.preventDefault()
      const next = evt.key === 'ArrowDown' ? (at + 1) % options.length : (at - 1 + options.length) % options.length
      qrSelect(box, options[next])
    } else if ((evt.key === 'Enter' && !evt.shiftKey) || evt.key === 'Tab') {
      evt.preventDefault()
      qrInsert(box, options[Math.max(0, at)])
    }
  })
  document.addEventListener('mousedown', (evt) => {
    const option = evt.target.closest && evt.target.closest('.qr-picker [role=option]')
    if (!option) return
    evt.preventDefault() // keep the focus in the textarea
    const box = document.querySelector(`textarea[data-qr-list="${option.closest('.qr-picker').id}"]`)
    if (box) qrInsert(box, option)
  })
  document.addEventListener('focusout', (evt) => {
    const box = evt.target.closest && evt.target.closest('textarea[data-qr-url]')
    if (box && box.kqQr) setTimeout(() => { if (document.activeElement !== box) qrClose(box) }, 150)
  })

  // ---- a file dropped on a composer (or on its conversation) becomes its attachment.
  const dropForm = (evt) => {
    const el = evt.target.closest ? evt.target : evt.target.parentElement
    if (!el) return null
    return el.closest('form[data-dropzone]') || (el.closest('.conversation') && el.closest('.conversation').querySelector('form[data-dropzone]'))
  }
  const carriesFiles = (evt) => evt.dataTransfer && Array.from(evt.dataTransfer.types || []).includes('Files')
  document.addEventListener('dragover', (evt) => {
    const form = carriesFiles(evt) && dropForm(evt)
    if (!form) return
    evt.preventDefault()
    evt.dataTransfer.dropEffect = 'copy'
    form.classList.add('dragging')
  })
  document.addEventListener('dragleave', (evt) => {
    const form = dropForm(evt)
    if (form && !(evt.relatedTarget && form.closest('.conversation, form').contains(evt.relatedTarget))) form.classList.remove('dragging')
  })
  document.addEventListener('drop', (evt) => {
    const form = carriesFiles(evt) && dropForm(evt)
    if (!form) return
    evt.preventDefault()
    form.classList.remove('dragging')
    const input = form.querySelector('input[type=file]')
    const file = evt.dataTransfer.files[0]
    if (!input || !file) return
    const list = new DataTransfer()
    list.items.add(file)
    input.files = list.files
    input.dispatchEvent(new Event('change', { bubbles: true }))
    const box = form.querySelector('textarea')
    if (box) box.focus()
  })

  // Composer: Enter sends, Shift+Enter adds a line (IME composition is left alone).
  document.addEventListener('keydown', (evt) => {
    if (evt.defaultPrevented) return
    const box = evt.target.closest && evt.target.closest('textarea[data-enter-send]')
    if (!box || evt.key !== 'Enter' || evt.shiftKey || evt.altKey || evt.ctrlKey || evt.metaKey || evt.isComposing) return
    evt.preventDefault()
    const form = box.form
    const file = form && form.querySelector('input[type=file]')
    if (form && (box.value.trim() || (file && file.files.length))) form.requestSubmit()
  })

  // ---- the agent workspace (/workspace) ---------------------------------------------------------
  const store = {
    get: (k) => { try { return localStorage.getItem(k) } catch { return null } },
    set: (k, v) => { try { localStorage.setItem(k, v) } catch {} },
  }
  const wsRoot = () => document.getElementById('workspace')
  // The server's clock: countdowns and waits count from it when this computer's clock is off.
  // data-server-now was written when the page was rendered, so it is compared with the moment its
  // answer started to arrive (navigation timing), not with now: a page slow to load is not a wrong
  // clock. A difference under 2 s is network time.
  const navigation = performance.getEntriesByType ? performance.getEntriesByType('navigation')[0] : null
  const answeredAt = navigation && navigation.responseStart > 0 ? performance.timeOrigin + navigation.responseStart : Date.now()
  const measured = wsRoot() ? Number(wsRoot().getAttribute('data-server-now')) - answeredAt : 0
  const skew = Math.abs(measured) > 2000 ? measured : 0
  const fmtWait = (ms) => {
    const root = wsRoot()
    if (!root) return null
    const min = Math.max(0, Math.floor(ms / 60000))
    if (min < 1) return root.getAttribute('data-fmt-now')
    if (min < 60) return root.getAttribute('data-fmt-min').replace('{n}', String(min))
    return root.getAttribute('data-fmt-hours').replace('{h}', String(Math.floor(min / 60))).replace('{m}', String(min % 60).padStart(2, '0'))
  }
  const setText = (el, text) => { if (text !== null && el.textContent !== text) el.textContent = text }
  const tick = () => {
    const now = Date.now() + skew
    document.querySelectorAll('[data-expires-at]').forEach((el) => {
      const left = Math.max(0, Math.ceil((Number(el.getAttribute('data-expires-at')) - now) / 1000))
      setText(el, String(left))
      const card = el.closest('.ws-offer')
      if (card) card.classList.toggle('expiring', left <= 5)
    })
    document.querySelectorAll('[data-since]').forEach((el) => setText(el, fmtWait(now - Number(el.getAttribute('data-since')))))
    syncWorkspace()
  }

  // Sound (Web Audio: nothing to download, nothing the CSP blocks) and browser notifications, each
  // a per-browser preference. Browsers only play sound after the person interacted with the page.
  const soundOn = () => store.get('kq.sound') !== '0'
  const canNotify = () => 'Notification' in window && Notification.permission === 'granted'
  const notifyOn = () => store.get('kq.notify') === '1' && canNotify()
  let audio = null
  const canPlay = () => soundOn() && (navigator.userActivation ? navigator.userActivation.hasBeenActive : false)
  const beep = (urgent) => {
    if (!canPlay()) return
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)()
      if (audio.state === 'suspended') audio.resume()
      const t0 = audio.currentTime + 0.01
      ;(urgent ? [880, 1175, 880] : [740]).forEach((freq, i) => {
        const osc = audio.createOscillator()
        const gain = audio.createGain()
        const at = t0 + i * 0.18
        osc.type = 'sine'
        osc.frequency.value = freq
        gain.gain.setValueAtTime(0.0001, at)
        gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02)
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16)
        osc.connect(gain).connect(audio.destination)
        osc.start(at)
        osc.stop(at + 0.17)
      })
    } catch {}
  }
  const renderPrefs = () => document.querySelectorAll('[data-pref]').forEach((b) => {
    let on = false
    let label
    if (b.getAttribute('data-pref') === 'sound') {
      on = soundOn()
      label = b.getAttribute(on ? 'data-on' : 'data-off')
    } else if (!('Notification' in window)) {
      label = b.getAttribute('data-unsupported')
      b.disabled = true
    } else if (Notification.permission === 'denied') {
      label = b.getAttribute('data-denied')
    } else {
      on = notifyOn()
      label = b.getAttribute(on ? 'data-on' : 'data-off')
    }
    b.setAttribute('aria-pressed', String(on))
    setText(b, label)
  })
  document.addEventListener('click', (evt) => {
    const b = evt.target.closest && evt.target.closest('[data-pref]')
    if (!b) return
    if (b.getAttribute('data-pref') === 'sound') {
      store.set('kq.sound', soundOn() ? '0' : '1')
      if (soundOn()) beep(false)
      renderPrefs()
    } else if (notifyOn()) {
      store.set('kq.notify', '0')
      renderPrefs()
    } else if ('Notification' in window) {
      // Asked on a click, as browsers require.
      Promise.resolve(Notification.requestPermission()).then((p) => {
        if (p === 'granted') store.set('kq.notify', '1')
        renderPrefs()
      })
    }
  })

  // Offers, new customer messages and tickets given to me carry data-notify-key: a key this page
  // has not seen rings once — and once across tabs: the first tab that can play the sound (or show
  // the notification) takes a Web Lock named for it (atomic across tabs) and leaves the key in
  // localStorage for tabs that see it later (a reconnect replaying it).
  const once = (name, fire) => {
    const k = 'kq.n.' + name
    if (store.get(k)) return
    const claim = () => { if (store.get(k)) return; store.set(k, String(Date.now())); fire() }
    if (!navigator.locks) return claim()
    navigator.locks.request(k, { ifAvailable: true }, (lock) => {
      if (!lock) return
      claim()
      return new Promise((resolve) => setTimeout(resolve, 5000))
    }).catch(() => {})
  }
  const seen = new Set()
  let primed = false
  const openTicketId = () => {
    const panel = document.querySelector('#ws-main [data-ticket-panel]')
    return panel ? panel.getAttribute('data-ticket-id') : null
  }
  const alertFor = (el) => {
    const key = el.getAttribute('data-notify-key')
    const urgent = el.hasAttribute('data-urgent')
    const watching = !document.hidden && document.hasFocus()
    // A message in the ticket the agent is looking at needs no alert.
    if (!urgent && watching && el.getAttribute('data-ticket-id') === openTicketId()) return
    if (canPlay()) once('sound.' + key, () => beep(urgent))
    if (notifyOn() && (!watching || urgent)) once('note.' + key, () => {
      try {
        const n = new Notification(el.getAttribute('data-notify-title') || '', { body: el.getAttribute('data-notify-body') || '', tag: key })
        n.onclick = () => {
          window.focus()
          const url = el.getAttribute('data-notify-url')
          if (url && location.pathname !== url && !document.getElementById('workspace')) location.href = url
          n.close()
        }
      } catch {}
    })
  }
  try {
    // Forget alerts older than a day.
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const k = localStorage.key(i)
      if (k && k.startsWith('kq.n.') && Date.now() - Number(localStorage.getItem(k)) > 86400000) localStorage.removeItem(k)
    }
  } catch {}

  // The conversation of the open ticket: each message once (a message committed while the panel
  // loaded may also arrive over the stream), scrolled like the conversation page, and read when
  // the customer's messages arrive while the agent looks at it.
  const csrfToken = () => {
    try { return JSON.parse(document.body.getAttribute('hx-headers:inherited') || '{}')['x-csrf-token'] || '' } catch { return '' }
  }
  const markRead = (el) => {
    const url = el.getAttribute('data-read-url')
    if (!url || document.hidden) return
    clearTimeout(el.kqReadTimer)
    el.kqReadTimer = setTimeout(() => fetch(url, { method: 'POST', headers: { 'x-csrf-token': csrfToken(), 'hx-request': 'true' } }).catch(() => {}), 300)
  }
  const watchConversation = (el) => {
    follow(el)
    if (el.kqWatched) return
    el.kqWatched = true
    new MutationObserver((records) => {
      let inbound = false
      for (const r of records) {
        for (const node of r.addedNodes) {
          if (node.nodeType !== 1 || !node.id) continue
          const all = el.querySelectorAll('#' + CSS.escape(node.id))
          if (all.length > 1 && all[0] !== node) { node.remove(); continue }
          if (node.classList.contains('msg-in')) inbound = true
        }
      }
      if (el.kqKeep != null) { el.scrollTop = el.scrollHeight - el.kqKeep; el.kqKeep = null }
      if (inbound) markRead(el)
    }).observe(el, { childList: true })
  }
  document.addEventListener('click', (evt) => {
    const b = evt.target.closest && evt.target.closest('[data-load-older]')
    const conv = b && b.closest('[data-conversation]')
    if (conv) { conv.kqKeep = conv.scrollHeight - conv.scrollTop; conv.kqStick = false }
  })
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return
    const open = openTicketId()
    const conv = open && document.getElementById('conversation-' + open)
    if (conv) markRead(conv)
  })

  // The protocol form and the customer box follow changes made elsewhere (the stream redraws them)
  // until the agent starts typing in them; their own answer (after saving) starts clean again.
  const markDirty = (evt) => {
    const box = evt.target.closest && evt.target.closest('[data-dirty-tracking]')
    if (box) box.classList.add('dirty')
  }
  document.addEventListener('input', markDirty)
  document.addEventListener('change', markDirty)

  function syncWorkspace() {
    document.querySelectorAll('[data-conversation]').forEach(watchConversation)
    // The card of the open ticket is marked current (the lists are redrawn by the stream).
    const open = openTicketId()
    document.querySelectorAll('.ws-left a[data-ticket-id]').forEach((c) => {
      if (c.getAttribute('data-ticket-id') === open) { if (c.getAttribute('aria-current') !== 'page') c.setAttribute('aria-current', 'page') }
      else if (c.hasAttribute('aria-current')) c.removeAttribute('aria-current')
    })
    document.querySelectorAll('[data-notify-key]').forEach((el) => {
      const key = el.getAttribute('data-notify-key')
      if (seen.has(key)) return
      seen.add(key)
      if (primed) alertFor(el)
    })
    primed = true
  }
  let syncQueued = false
  new MutationObserver(() => {
    if (syncQueued) return
    syncQueued = true
    requestAnimationFrame(() => { syncQueued = false; syncWorkspace() })
  }).observe(document.body, { childList: true, subtree: true })
  // Web chat: the agent typing in the composer of a web-chat ticket tells the visitor (at most
  // every 3 s; the panel's visitor box carries the URL). Notes are internal: not reported.
  let typingSentAt = 0
  document.addEventListener('input', (evt) => {
    const box = evt.target.closest && evt.target.closest('textarea[data-enter-send]')
    const panel = box && box.closest('[data-ticket-panel]')
    const url = panel && panel.querySelector('[data-typing-url]') && panel.querySelector('[data-typing-url]').getAttribute('data-typing-url')
    if (!url || !box.value.trim()) return
    const note = box.form && box.form.querySelector('input[name=note]')
    if (note && note.checked) return
    if (Date.now() - typingSentAt < 3000) return
    typingSentAt = Date.now()
    fetch(url, { method: 'POST', headers: { 'x-csrf-token': csrfToken(), 'hx-request': 'true' } }).catch(() => {})
  })

  renderPrefs()
  syncWorkspace()
  setInterval(tick, 500)
})()
