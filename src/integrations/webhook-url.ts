// Where a webhook may point (server-side request forgery): the installation sits inside a company
// network, next to things an admin's typo — or a hostile admin token — must not reach.
// - https to a public address: always;
// - http, or any address on a private network or this machine (10/8, 172.16/12, 192.168/16,
//   127/8, ::1, fc00::/7, 100.64/10, localhost): only when the integrations setting allows it
//   (an ERP on the LAN);
// - link-local and cloud metadata (169.254/16 — 169.254.169.254 —, fe80::/10, fd00:ec2::254),
//   "this network" (0/8, ::), multicast and reserved ranges: never.
// Checked on save (the literal host) and again before every delivery on each address the name
// resolves to, so a name that later points inside is refused then; the delivery then connects to
// the address that was checked (pinTarget). Redirects are not followed.
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { MessageKey } from '../i18n'

export type AddressKind = 'public' | 'private' | 'blocked'

function v4(ip: string): number[] {
  return ip.split('.').map(Number)
}

export function classifyAddress(ip: string): AddressKind {
  const family = isIP(ip)
  if (family === 4) {
    const [a, b] = v4(ip)
    if (a === 0 || a >= 224) return 'blocked' // this network, multicast, reserved, broadcast
    if (a === 169 && b === 254) return 'blocked' // link-local: cloud metadata lives here
    if (a === 10 || a === 127) return 'private'
    if (a === 172 && b >= 16 && b <= 31) return 'private'
    if (a === 192 && b === 168) return 'private'
    if (a === 100 && b >= 64 && b <= 127) return 'private' // carrier-grade NAT
    if (a === 192 && b === 0 && v4(ip)[2] === 0) return 'blocked' // IETF protocol assignments
    if (a === 198 && (b === 18 || b === 19)) return 'private' // benchmarking networks
    return 'public'
  }
  if (family === 6) {
    const x = ip.toLowerCase().replace(/^\[|\]$/g, '')
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(x)
    if (mapped) return classifyAddress(mapped[1])
    if (x === '::' || x === '::0') return 'blocked'
    if (x === '::1') return 'private'
    if (x === 'fd00:ec2::254') return 'blocked' // AWS metadata over IPv6
    const first = parseInt(x.split(':')[0] || '0', 16)
    if ((first & 0xffc0) === 0xfe80) return 'blocked' // link-local
    if ((first & 0xff00) === 0xff00) return 'blocked' // multicast
    if ((first & 0xfe00) === 0xfc00) return 'private' // unique local
    return 'public'
  }
  return 'blocked'
}

const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, '').toLowerCase()
const isLocalName = (host: string) => host === 'localhost' || host.endsWith('.localhost')

export interface UrlCheck {
  url: string | null
  problem: MessageKey | null
}

/** Checks a URL typed by an admin (no DNS: that happens before each delivery). */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): UrlCheck {
  const text = raw.trim()
  let u: URL
  try {
    u = new URL(text)
  } catch {
    return { url: null, problem: 'integrations.url_invalid' }
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || text.length > 500 || !u.hostname) {
    return { url: null, problem: 'integrations.url_invalid' }
  }
  const host = hostOf(u)
  const kind: AddressKind = isIP(host) ? classifyAddress(host) : isLocalName(host) ? 'private' : 'public'
  if (kind === 'blocked') return { url: null, problem: 'integrations.url_blocked' }
  if (kind === 'private' && !allowPrivate) return { url: null, problem: 'integrations.url_private' }
  if (u.protocol === 'http:' && !(kind === 'private' && allowPrivate)) return { url: null, problem: 'integrations.url_https' }
  return { url: u.toString(), problem: null }
}

/** Where one delivery goes: the URL to fetch and what to add to the request. */
export interface Target {
  url: string
  init: { headers?: { host: string }; tls?: { serverName: string } }
}

/**
 * Before a delivery: the URL still passes and every address its name resolves to is allowed.
 * Then the request is pinned to the first of the addresses checked — it connects to that IP and
 * carries the name in Host and in TLS (SNI and the certificate check) — so a name whose DNS answer
 * changes between the check and the connection (rebinding) cannot take it anywhere else.
 */
export async function pinTarget(url: string, allowPrivate: boolean, resolve: (host: string) => Promise<string[]> = resolveAll): Promise<{ refusal: string } | { target: Target }> {
  const check = checkWebhookUrl(url, allowPrivate)
  if (!check.url) return { refusal: `address not allowed (${check.problem!.replace('integrations.url_', '')})` }
  const u = new URL(check.url)
  const host = hostOf(u)
  if (isIP(host)) return { target: { url: u.toString(), init: {} } }
  const addresses = await resolve(host) // throws on a DNS failure: a network error, retried
  if (!addresses.length) return { refusal: 'name does not resolve' }
  for (const a of addresses) {
    const kind = classifyAddress(a)
    if (kind === 'blocked' || (kind === 'private' && !allowPrivate)) return { refusal: `address not allowed (${a})` }
  }
  const pinned = new URL(u)
  pinned.hostname = isIP(addresses[0]) === 6 ? `[${addresses[0]}]` : addresses[0]
  const init: Target['init'] = { headers: { host: u.host } }
  if (u.protocol === 'https:') init.tls = { serverName: host }
  return { target: { url: pinned.toString(), init } }
}

async function resolveAll(host: string): Promise<string[]> {
  if (isLocalName(host)) return ['127.0.0.1']
  return (await lookup(host, { all: true, verbatim: true })).map((r) => r.address)
}
