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
})()
