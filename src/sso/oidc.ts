// The OpenID Connect relying party: discovery (cached), the authorization request (code + PKCE
// S256, state, nonce), the code exchange and the ID token checks. oauth4webapi does the protocol
// and the claim checks (iss, aud, azp, exp, iat, nonce); the signature is verified here with jose
// against the provider's JWKS, refetched once when a token names a key we do not know (rotation).
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet } from 'jose'
import * as oauth from 'oauth4webapi'

/** Why a login was refused: the audit entry's reason and the key of the message the user sees. */
export type SsoReason =
  | 'disabled'
  | 'discovery_failed'
  | 'issuer_mismatch'
  | 'state_unknown'
  | 'state_replayed'
  | 'state_expired'
  | 'state_other_browser'
  | 'provider_error'
  | 'token_failed'
  | 'bad_signature'
  | 'nonce_mismatch'
  | 'audience_mismatch'
  | 'token_expired'
  | 'invalid_token'
  | 'no_email'
  | 'email_unverified'
  | 'domain_not_allowed'
  | 'user_unknown'
  | 'user_inactive'
  | 'identity_conflict'

export class SsoError extends Error {
  constructor(
    public reason: SsoReason,
    /** For the log only (never shown: it may name endpoints or claims). */
    public detail = '',
  ) {
    super(`${reason}${detail ? `: ${detail}` : ''}`)
  }
}

export interface RelyingParty {
  issuer: string
  clientId: string
  clientSecret: string
  scopes: string
  redirectUri: string
}

const TIMEOUT_MS = 10_000
/** A provider's endpoints rarely change; an hour keeps logins off the network. Saving the settings clears it. */
const DISCOVERY_TTL_MS = 60 * 60_000
/** Keys are refetched on an unknown `kid` anyway; this only bounds how stale a cached set may grow. */
const JWKS_TTL_MS = 24 * 60 * 60_000
/** Signatures we accept: asymmetric only (never `none` or a MAC keyed with the client secret). */
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']

/** Plain http only to this machine (tests, a provider beside Kumquat); everything else is https. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
}

const httpOptions = (url: string) => ({
  [oauth.allowInsecureRequests]: isLoopbackHttp(new URL(url)),
  signal: () => AbortSignal.timeout(TIMEOUT_MS),
})

// ---- discovery --------------------------------------------------------------------------------

const discoveries = new Map<string, { as: oauth.AuthorizationServer; at: number }>()
const keySets = new Map<string, { jwks: JSONWebKeySet; at: number }>()

/** Drops cached documents and keys (the settings changed). */
export function forgetProviders() {
  discoveries.clear()
  keySets.clear()
}

/** The provider's discovery document; its `issuer` must be exactly the one configured. */
export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const cached = discoveries.get(issuer)
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.as
  const url = new URL(issuer)
  let as: oauth.AuthorizationServer
  try {
    const response = await oauth.discoveryRequest(url, { ...httpOptions(issuer), algorithm: 'oidc' })
    as = await oauth.processDiscoveryResponse(url, response)
  } catch (e) {
    if (e instanceof oauth.OperationProcessingError && e.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
      throw new SsoError('issuer_mismatch', `discovery document of ${issuer} names another issuer`)
    }
    throw new SsoError('discovery_failed', errorText(e))
  }
  if (!as.authorization_endpoint || !as.token_endpoint || !as.jwks_uri) throw new SsoError('discovery_failed', 'discovery document lacks an endpoint')
  // Entra ID does not list PKCE methods although it supports S256; refuse only an explicit "no".
  if (as.code_challenge_methods_supported && !as.code_challenge_methods_supported.includes('S256')) {
    throw new SsoError('discovery_failed', 'provider does not support PKCE S256')
  }
  discoveries.set(issuer, { as, at: Date.now() })
  return as
}

// ---- the authorization request ----------------------------------------------------------------

export interface LoginSecrets {
  state: string
  nonce: string
  codeVerifier: string
}

export const newLoginSecrets = (): LoginSecrets => ({
  state: oauth.generateRandomState(),
  nonce: oauth.generateRandomNonce(),
  codeVerifier: oauth.generateRandomCodeVerifier(),
})

export async function authorizationUrl(rp: RelyingParty, as: oauth.AuthorizationServer, s: LoginSecrets): Promise<string> {
  const url = new URL(as.authorization_endpoint!)
  url.searchParams.set('client_id', rp.clientId)
  url.searchParams.set('redirect_uri', rp.redirectUri)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('scope', rp.scopes)
  url.searchParams.set('state', s.state)
  url.searchParams.set('nonce', s.nonce)
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(s.codeVerifier))
  url.searchParams.set('code_challenge_method', 'S256')
  return url.href
}

// ---- the callback ------------------------------------------------------------------------------

/** Token endpoint authentication: the secret in the body where allowed (Entra, Google, Keycloak), else HTTP Basic. */
function clientAuth(as: oauth.AuthorizationServer, secret: string) {
  const methods = as.token_endpoint_auth_methods_supported
  return !methods || methods.includes('client_secret_post') ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret)
}

/**
 * The callback URL's parameters (state already checked against our row) → the code exchanged →
 * the ID token's claims, every check passed. Throws SsoError.
 */
export async function redeemCode(rp: RelyingParty, as: oauth.AuthorizationServer, callback: URL, s: LoginSecrets): Promise<oauth.IDToken> {
  const client: oauth.Client = { client_id: rp.clientId }
  let params: URLSearchParams
  try {
    params = oauth.validateAuthResponse(as, client, callback, s.state)
  } catch (e) {
    if (e instanceof oauth.AuthorizationResponseError) throw new SsoError('provider_error', `${e.error}: ${e.error_description ?? ''}`)
    if (e instanceof oauth.OperationProcessingError && /"iss"/.test(e.message)) throw new SsoError('issuer_mismatch', e.message)
    throw new SsoError('invalid_token', errorText(e))
  }
  let response: Response
  try {
    response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth(as, rp.clientSecret), params, rp.redirectUri, s.codeVerifier, httpOptions(as.token_endpoint!))
  } catch (e) {
    throw new SsoError('token_failed', errorText(e))
  }
  const { claims, accessToken } = await verifyTokenResponse(as, rp.clientId, response, s.nonce)
  if (claims.email !== undefined || claims.preferred_username !== undefined || !as.userinfo_endpoint) return claims
  // Providers that follow the specification's default keep the scope's claims (email) for the
  // UserInfo endpoint when an access token is issued; its answer must be about the same `sub`.
  try {
    const answer = await oauth.userInfoRequest(as, client, accessToken, httpOptions(as.userinfo_endpoint))
    const info = await oauth.processUserInfoResponse(as, client, claims.sub, answer)
    return { ...claims, email: info.email, email_verified: info.email_verified, name: claims.name ?? info.name }
  } catch (e) {
    throw new SsoError('token_failed', `userinfo: ${errorText(e)}`)
  }
}

/** The token endpoint's answer → the ID token's claims, after the claim checks and the signature. */
export async function verifyTokenResponse(as: oauth.AuthorizationServer, clientId: string, response: Response, nonce: string): Promise<{ claims: oauth.IDToken; accessToken: string }> {
  let result: oauth.TokenEndpointResponse
  let claims: oauth.IDToken
  try {
    result = await oauth.processAuthorizationCodeResponse(as, { client_id: clientId }, response, { expectedNonce: nonce, requireIdToken: true })
    claims = oauth.getValidatedIdTokenClaims(result)!
  } catch (e) {
    throw claimError(e)
  }
  await verifySignature(as, result.id_token!)
  return { claims, accessToken: result.access_token }
}

function claimError(e: unknown): SsoError {
  if (e instanceof oauth.ResponseBodyError) return new SsoError('token_failed', `${e.error}: ${e.error_description ?? ''}`)
  if (e instanceof oauth.OperationProcessingError) {
    const claim = (e.cause as { claim?: string } | undefined)?.claim
    if (e.code === oauth.JWT_TIMESTAMP_CHECK) return new SsoError('token_expired', e.message)
    if (e.code === oauth.JWT_CLAIM_COMPARISON && claim === 'iss') return new SsoError('issuer_mismatch', e.message)
    if (e.code === oauth.JWT_CLAIM_COMPARISON && claim === 'nonce') return new SsoError('nonce_mismatch', e.message)
    if (e.code === oauth.JWT_CLAIM_COMPARISON && (claim === 'aud' || claim === 'azp')) return new SsoError('audience_mismatch', e.message)
  }
  return new SsoError('invalid_token', errorText(e))
}

// ---- the signature -----------------------------------------------------------------------------

async function fetchKeys(uri: string): Promise<JSONWebKeySet> {
  const response = await fetch(uri, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' }, redirect: 'error' })
  if (!response.ok) throw new Error(`JWKS answered ${response.status}`)
  const jwks = (await response.json()) as JSONWebKeySet
  if (!jwks || !Array.isArray(jwks.keys)) throw new Error('JWKS without keys')
  keySets.set(uri, { jwks, at: Date.now() })
  return jwks
}

/** How many keys the provider publishes (fetched now): the settings page's discovery test. */
export async function signingKeyCount(as: oauth.AuthorizationServer): Promise<number> {
  try {
    return (await fetchKeys(as.jwks_uri!)).keys.length
  } catch (e) {
    throw new SsoError('discovery_failed', errorText(e))
  }
}

/** Verifies the ID token's signature with the provider's keys; an unknown `kid` refetches them once. */
export async function verifySignature(as: oauth.AuthorizationServer, idToken: string): Promise<void> {
  const uri = as.jwks_uri!
  const supported = as.id_token_signing_alg_values_supported ?? ['RS256']
  const algorithms = supported.filter((a) => ASYMMETRIC.includes(a))
  const verify = (jwks: JSONWebKeySet) => jwtVerify(idToken, createLocalJWKSet(jwks), { algorithms, clockTolerance: 30 })
  let cached = keySets.get(uri)
  try {
    if (!cached || Date.now() - cached.at > JWKS_TTL_MS) cached = { jwks: await fetchKeys(uri), at: Date.now() }
    try {
      await verify(cached.jwks)
    } catch (e) {
      // The provider rotated its keys since we cached them: fetch the set again, once.
      if (!(e instanceof joseErrors.JWKSNoMatchingKey)) throw e
      await verify(await fetchKeys(uri))
    }
  } catch (e) {
    throw new SsoError('bad_signature', errorText(e))
  }
}

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))
