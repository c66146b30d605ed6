// The provider settings: what the admin types, checked field by field (nothing is written when one
// is wrong), the issuer it leads to, and the audited save.
import type { Context } from '../context'
import { write } from '../db/open'
import type { FieldProblem } from '../http/errors'
import { forgetProviders, isLoopbackHttp } from './oidc'
import { PROVIDER_KINDS, type ProviderInput, type ProviderKind, type SsoProvider } from './store'

export const DEFAULT_SCOPES = 'openid email profile'
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/

/** The form as typed (strings and booleans), also what the page shows back after a problem. */
export interface SsoFormValues {
  kind: string
  label: string
  tenant_id: string
  issuer_url: string
  client_id: string
  client_secret: string
  scopes: string
  auto_create: boolean
  default_profile_id: string
  default_sector_ids: string[]
  allowed_domains: string
  enabled: boolean
}

export const formValuesOf = (p: SsoProvider | null): SsoFormValues => ({
  kind: p?.kind ?? 'microsoft',
  label: p?.label ?? 'Microsoft',
  tenant_id: p?.tenant_id ?? '',
  issuer_url: p?.issuer_url ?? '',
  client_id: p?.client_id ?? '',
  client_secret: '',
  scopes: p?.scopes ?? DEFAULT_SCOPES,
  auto_create: p?.auto_create ?? false,
  default_profile_id: p?.default_profile_id ? String(p.default_profile_id) : '',
  default_sector_ids: (p?.default_sector_ids ?? []).map(String),
  allowed_domains: (p?.allowed_domains ?? []).join('\n'),
  enabled: p?.enabled ?? false,
})

/** Microsoft Entra ID: the v2.0 issuer of one tenant; others: the issuer URL as typed. */
export function issuerOf(p: Pick<SsoProvider, 'kind' | 'tenant_id' | 'issuer_url'>): string {
  return p.kind === 'microsoft' ? `https://login.microsoftonline.com/${p.tenant_id}/v2.0` : p.issuer_url
}

/** The issuer field: https (plain http only for this machine), no query or fragment. */
function validIssuerUrl(raw: string): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return null
  }
  if (url.search || url.hash || url.username || url.password) return null
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) return null
  return raw
}

/** Checks the form; returns the clean input or the problems. `hasSecret`: a secret is stored already. */
export function validateSso(ctx: Context, f: SsoFormValues, hasSecret: boolean): { input: ProviderInput | null; problems: FieldProblem[] } {
  const problems: FieldProblem[] = []
  const kind = (PROVIDER_KINDS as readonly string[]).includes(f.kind) ? (f.kind as ProviderKind) : null
  if (!kind) problems.push({ field: 'kind', key: 'sso.valid_kind' })
  const label = f.label.trim()
  if (!label || label.length > 40) problems.push({ field: 'label', key: 'sso.valid_label' })

  const tenant = f.tenant_id.trim().toLowerCase()
  let issuer = ''
  if (kind === 'microsoft') {
    // Only a tenant's own GUID: "common"/"organizations" would let any Microsoft account in, and a
    // domain name's document names the GUID issuer, which would then not match.
    if (!GUID.test(tenant)) problems.push({ field: 'tenant_id', key: 'sso.valid_tenant' })
  } else if (kind === 'generic') {
    const url = validIssuerUrl(f.issuer_url.trim())
    if (!url) problems.push({ field: 'issuer_url', key: 'sso.valid_issuer' })
    else issuer = url
  }

  const clientId = f.client_id.trim()
  if (!clientId || clientId.length > 200) problems.push({ field: 'client_id', key: 'sso.valid_client_id' })
  const secret = f.client_secret.trim()
  if (secret.length > 500) problems.push({ field: 'client_secret', key: 'sso.valid_client_secret' })
  else if (!secret && !hasSecret && f.enabled) problems.push({ field: 'client_secret', key: 'sso.valid_client_secret' })

  const scopeList = [...new Set(f.scopes.trim().split(/\s+/).filter(Boolean))]
  if (!scopeList.includes('openid') || !scopeList.every((s) => SCOPE.test(s)) || scopeList.length > 20) problems.push({ field: 'scopes', key: 'sso.valid_scopes' })

  let profileId: number | null = null
  if (f.default_profile_id) {
    const profile = ctx.stores.profiles.resolve(f.default_profile_id)
    // An automatically created administrator is one bad tenant setting away from a takeover.
    if (!profile || profile.key === 'admin') problems.push({ field: 'default_profile_id', key: 'sso.valid_profile' })
    else profileId = profile.id
  }
  if (f.auto_create && profileId === null && !problems.some((p) => p.field === 'default_profile_id')) problems.push({ field: 'default_profile_id', key: 'sso.valid_profile' })

  const sectorIds = f.default_sector_ids.map(Number)
  if (!sectorIds.every((id) => Number.isInteger(id) && ctx.stores.sectors.get(id))) problems.push({ field: 'default_sector_ids', key: 'valid.sectors' })

  const domains = [...new Set(f.allowed_domains.toLowerCase().split(/[\s,;]+/).map((d) => d.replace(/^@/, '')).filter(Boolean))]
  if (domains.length > 50 || !domains.every((d) => DOMAIN.test(d))) problems.push({ field: 'allowed_domains', key: 'sso.valid_domains' })

  if (problems.length || !kind) return { input: null, problems }
  return {
    input: {
      kind,
      label,
      tenant_id: kind === 'microsoft' ? tenant : '',
      issuer_url: kind === 'generic' ? issuer : '',
      client_id: clientId,
      client_secret: secret || undefined,
      scopes: scopeList.join(' '),
      auto_create: f.auto_create,
      default_profile_id: profileId,
      default_sector_ids: [...new Set(sectorIds)],
      allowed_domains: domains,
      enabled: f.enabled,
    },
    problems,
  }
}

/** Saves the settings and the audit entry together (the secret never goes into the log). */
export function saveSso(ctx: Context, actorId: number, input: ProviderInput, ip: string | null) {
  write(ctx.db, () => {
    ctx.stores.sso.saveProvider(input, actorId)
    const { client_secret, ...shown } = input
    ctx.stores.audit.record({ actor_id: actorId, action: 'sso.settings', object_type: 'sso_provider', object_id: 1, ip, details: { ...shown, secret_changed: Boolean(client_secret) } })
  })
  forgetProviders()
}

/** Kumquat's callback URL, to register at the provider. */
export const redirectUriOf = (ctx: Context) => `${ctx.config.baseUrl}/sso/callback`
