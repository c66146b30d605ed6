// A company's web site for the WebChat browser tests: a tiny Bun.serve on its own port (so its
// origin differs from Kumquat's) serving two pages that embed the widget with the one-line snippet,
// under a strict CSP: scripts only from Kumquat's origin, styles only from the site itself (no
// inline styles). The site's own stylesheet is hostile on purpose (it restyles every button, list
// and div), to show it cannot break the widget in its shadow root.
import { escapeHtml } from '@kitajs/html'

export interface HostSite {
  url: string
  origin: string
  /** The channel key the pages embed (the site exists before its channel: its origin goes in it). */
  key: string
  stop(): void
}

const HOSTILE_CSS = `
body { font: 16px serif; margin: 40px; background: #fafafa; }
button { display: none !important; }
div, ol, li, p { border: 4px dashed red !important; padding: 30px !important; font-size: 40px !important; }
* { color: #0f0 !important; }
`

function page(title: string, other: { href: string; label: string }, kumquat: string, key: string): string {
  return `<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/host.css">
<script src="${escapeHtml(kumquat)}/webchat.js" data-channel="${escapeHtml(key)}" async></script>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p>Loja de exemplo — conteúdo da página.</p>
<a id="nav" href="${escapeHtml(other.href)}">${escapeHtml(other.label)}</a>
</body></html>`
}

/** Serves `/` and `/produtos` (each links to the other) embedding `<kumquat>/webchat.js` for `site.key`. */
export function startHostSite(kumquat: string, key = '', hostname = '127.0.0.1'): HostSite {
  const csp = `script-src ${new URL(kumquat).origin}; style-src 'self'`
  const server = Bun.serve({
    hostname,
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname
      const html = (body: string) => new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp } })
      if (path === '/') return html(page('Loja Exemplo — início', { href: '/produtos', label: 'Ver produtos' }, kumquat, site.key))
      if (path === '/produtos') return html(page('Loja Exemplo — produtos', { href: '/', label: 'Voltar ao início' }, kumquat, site.key))
      if (path === '/favicon.ico') return new Response(null, { status: 204 })
      if (path === '/host.css') return new Response(HOSTILE_CSS, { headers: { 'content-type': 'text/css' } })
      return new Response('not found', { status: 404 })
    },
  })
  const url = `http://${hostname}:${server.port}`
  const site: HostSite = { url, origin: url, key, stop: () => void server.stop(true) }
  return site
}
