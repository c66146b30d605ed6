// Single sign-on tables: the provider settings (secret sealed), the logins in flight (state, nonce,
// PKCE verifier) and the provider accounts linked to users. Plain SQL, prepared once.
import type { Database } from 'bun:sqlite'
import { seal, unseal } from '../db/sealed'
import { sha256hex } from '../http/tokens'

export const PROVIDER_KINDS = ['microsoft', 'generic'] as const
export type ProviderKind = (typeof PROVIDER_KINDS)[number]

export interface SsoProvider {
  kind: ProviderKind
  label: string
  tenant_id: string
  issuer_url: string
  client_id: string
  /** Whether a secret is stored (the secret itself only through `secret()`). */
  has_secret: boolean
  scopes: string
  auto_create: boolean
  default_profile_id: number | null
  default_sector_ids: number[]
  allowed_domains: string[]
  enabled: boolean
  updated_at: number
}

interface ProviderRow {
  kind: ProviderKind
  label: string
  tenant_id: string
  issuer_url: string
  client_id: string
  client_secret_sealed: string | null
  scopes: string
  auto_create: number
  default_profile_id: number | null
  default_sector_ids: string
  allowed_domains: string
  enabled: number
  updated_at: number
}

export interface ProviderInput extends Omit<SsoProvider, 'has_secret' | 'updated_at'> {
  /** undefined: keep the stored secret. */
  client_secret?: string
}

export interface PendingLogin {
  browser_hash: string
  nonce: string
  code_verifier: string
  next: string
  expires_at: number
  used_at: number | null
}

/** How long a started login may take at the provider (login, MFA, consent). */
export const LOGIN_TTL_MS = 10 * 60_000

export function ssoStore(db: Database, key: Buffer) {
  const getProvider = db.query<ProviderRow, []>('SELECT * FROM sso_provider WHERE id = 1')
  const upsertProvider = db.query<unknown, Record<string, string | number | null>>(
    `INSERT INTO sso_provider (id, kind, label, tenant_id, issuer_url, client_id, client_secret_sealed, scopes, auto_create,
       default_profile_id, default_sector_ids, allowed_domains, enabled, updated_at, updated_by)
     VALUES (1, $kind, $label, $tenant_id, $issuer_url, $client_id, $secret, $scopes, $auto_create,
       $default_profile_id, $default_sector_ids, $allowed_domains, $enabled, $now, $by)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, label = excluded.label, tenant_id = excluded.tenant_id,
       issuer_url = excluded.issuer_url, client_id = excluded.client_id,
       client_secret_sealed = coalesce(excluded.client_secret_sealed, sso_provider.client_secret_sealed),
       scopes = excluded.scopes, auto_create = excluded.auto_create, default_profile_id = excluded.default_profile_id,
       default_sector_ids = excluded.default_sector_ids, allowed_domains = excluded.allowed_domains,
       enabled = excluded.enabled, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  )
  const insertLogin = db.query<unknown, [string, string, string, string, string, number, number]>(
    `INSERT INTO sso_logins (state_hash, browser_hash, nonce, code_verifier, next, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  )
  const loginByState = db.query<PendingLogin, [string]>(
    'SELECT browser_hash, nonce, code_verifier, next, expires_at, used_at FROM sso_logins WHERE state_hash = ?',
  )
  const claimLogin = db.query<unknown, [number, string, number]>(
    'UPDATE sso_logins SET used_at = ? WHERE state_hash = ? AND used_at IS NULL AND expires_at > ?',
  )
  const purgeLogins = db.query<unknown, [number]>('DELETE FROM sso_logins WHERE expires_at < ?')
  const identity = db.query<{ user_id: number }, [string, string]>('SELECT user_id FROM sso_identities WHERE issuer = ? AND subject = ?')
  const identitiesOfUser = db.query<{ subject: string }, [number, string]>('SELECT subject FROM sso_identities WHERE user_id = ? AND issuer = ?')
  const link = db.query<unknown, [string, string, number, number, number]>(
    `INSERT INTO sso_identities (issuer, subject, user_id, created_at, last_login_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (issuer, subject) DO UPDATE SET last_login_at = excluded.last_login_at`,
  )

  return {
    provider(): SsoProvider | null {
      const r = getProvider.get()
      if (!r) return null
      const { client_secret_sealed, ...rest } = r
      return {
        ...rest,
        has_secret: client_secret_sealed !== null,
        auto_create: r.auto_create === 1,
        enabled: r.enabled === 1,
        default_sector_ids: JSON.parse(r.default_sector_ids) as number[],
        allowed_domains: JSON.parse(r.allowed_domains) as string[],
      }
    },
    /** The client secret, unsealed (null when none is stored). */
    secret(): string | null {
      const sealed = getProvider.get()?.client_secret_sealed
      return sealed ? unseal(key, sealed) : null
    },
    /** Call inside a write transaction. */
    saveProvider(p: ProviderInput, by: number | null) {
      upsertProvider.run({
        $kind: p.kind,
        $label: p.label,
        $tenant_id: p.tenant_id,
        $issuer_url: p.issuer_url,
        $client_id: p.client_id,
        $secret: p.client_secret ? seal(key, p.client_secret) : null,
        $scopes: p.scopes,
        $auto_create: p.auto_create ? 1 : 0,
        $default_profile_id: p.default_profile_id,
        $default_sector_ids: JSON.stringify(p.default_sector_ids),
        $allowed_domains: JSON.stringify(p.allowed_domains),
        $enabled: p.enabled ? 1 : 0,
        $now: Date.now(),
        $by: by,
      })
    },

    /** Call inside a write transaction. The state and the browser value are kept only as hashes. */
    startLogin(o: { state: string; browser: string; nonce: string; codeVerifier: string; next: string }) {
      const now = Date.now()
      purgeLogins.run(now - 86_400_000)
      insertLogin.run(sha256hex(o.state), sha256hex(o.browser), o.nonce, o.codeVerifier, o.next, now, now + LOGIN_TTL_MS)
    },
    pendingLogin: (state: string): PendingLogin | null => loginByState.get(sha256hex(state)),
    /** Marks the login used; false when it was used already or expired (call inside a write transaction). */
    claimLogin: (state: string): boolean => claimLogin.run(Date.now(), sha256hex(state), Date.now()).changes === 1,

    linkedUser: (issuer: string, subject: string): number | null => identity.get(issuer, subject)?.user_id ?? null,
    linkedSubjects: (userId: number, issuer: string): string[] => identitiesOfUser.all(userId, issuer).map((r) => r.subject),
    /** Call inside a write transaction. */
    link: (issuer: string, subject: string, userId: number) => link.run(issuer, subject, userId, Date.now(), Date.now()),
  }
}
export type SsoStore = ReturnType<typeof ssoStore>
