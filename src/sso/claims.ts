// Which e-mail an ID token vouches for, per provider. Entra ID (Microsoft) puts the address in
// `email` only when the tenant has the optional claim and the user a mailbox; its v2 tokens always
// carry `preferred_username` (the sign-in name, normally the UPN, an address), and v1 tokens `upn`.
// Entra sends no `email_verified`; the tenant is pinned by the issuer, and the allowed domains
// narrow it further. Other providers (Google Workspace, Keycloak) must say `email_verified: true`.
import type { ProviderKind } from './store'
import { SsoError } from './oidc'

const ADDRESS = /^[^\s@<>"',;]{1,64}@[a-z0-9.-]+\.[a-z]{2,}$/

const asAddress = (value: unknown): string | null => {
  if (typeof value !== 'string') return null
  const email = value.trim().toLowerCase()
  return ADDRESS.test(email) && email.length <= 254 ? email : null
}

/** The verified e-mail of the token's user, lower-cased; throws SsoError('no_email' | 'email_unverified'). */
export function emailFromClaims(kind: ProviderKind, claims: Record<string, unknown>): string {
  // Some providers (older Cognito, some Keycloak mappers) send the flag as a string.
  const verified = claims.email_verified === true || claims.email_verified === 'true'
  if (claims.email_verified !== undefined && !verified) throw new SsoError('email_unverified')
  if (kind === 'microsoft') {
    const email = asAddress(claims.email) ?? asAddress(claims.preferred_username) ?? asAddress(claims.upn)
    if (!email) throw new SsoError('no_email', 'no email, preferred_username or upn claim holding an address')
    return email
  }
  const email = asAddress(claims.email)
  if (!email) throw new SsoError('no_email', 'no email claim (is the "email" scope requested?)')
  if (!verified) throw new SsoError('email_unverified')
  return email
}

/** The name to give a user created on first login: the token's `name`, else the address's local part. */
export function nameFromClaims(claims: Record<string, unknown>, email: string): string {
  const given = [claims.given_name, claims.family_name].filter((x) => typeof x === 'string' && x.trim()).join(' ')
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : given || email.split('@')[0]
  return name.slice(0, 120)
}

/** An empty list allows every domain; otherwise the address's domain must be listed exactly. */
export function domainAllowed(email: string, allowed: string[]): boolean {
  if (!allowed.length) return true
  const domain = email.slice(email.lastIndexOf('@') + 1)
  return allowed.includes(domain)
}
