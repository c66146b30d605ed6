// The ID token checks on their own: a token endpoint answer built here, signed with keys served by
// a small JWKS server, each fault refused with its reason; key rotation refetches the JWKS; the
// e-mail a Microsoft (Entra ID) or generic token vouches for.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose'
import type { AuthorizationServer } from 'oauth4webapi'
import { domainAllowed, emailFromClaims, nameFromClaims } from './claims'
import { forgetProviders, SsoError, verifyTokenResponse } from './oidc'

type Key = Awaited<ReturnType<typeof generateKeyPair>>
let published: JWK[] = []
let jwksFetches = 0
let server: ReturnType<typeof Bun.serve>
let as: AuthorizationServer
let k1: Key
let k2: Key
const CLIENT = 'kumquat'
const NONCE = 'n-0123456789'

const pub = async (k: Key, kid: string) => ({ ...(await exportJWK(k.publicKey)), kid, alg: 'RS256', use: 'sig' })

beforeAll(async () => {
  k1 = await generateKeyPair('RS256')
  k2 = await generateKeyPair('RS256')
  published = [await pub(k1, 'k1')]
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: () => {
      jwksFetches++
      return Response.json({ keys: published })
    },
  })
  const base = `http://127.0.0.1:${server.port}`
  as = { issuer: base, jwks_uri: `${base}/jwks`, id_token_signing_alg_values_supported: ['RS256'] }
})
afterAll(() => server?.stop(true))

async function idToken(claims: JWTPayload, key: Key = k1, kid = 'k1') {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ iss: as.issuer, aud: CLIENT, sub: 'user-1', nonce: NONCE, iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(key.privateKey)
}

const tokenResponse = (id_token: string) => Response.json({ access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token })

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'accepted'
  } catch (e) {
    if (e instanceof SsoError) return e.reason
    throw e
  }
}

describe('ID token checks', () => {
  test('a good token gives its claims', async () => {
    const { claims } = await verifyTokenResponse(as, CLIENT, tokenResponse(await idToken({ email: 'ana@empresa.com.br' })), NONCE)
    expect(claims.sub).toBe('user-1')
    expect(claims.email).toBe('ana@empresa.com.br')
  })

  test('each fault is refused with its reason', async () => {
    const now = Math.floor(Date.now() / 1000)
    expect(await reasonOf(verifyTokenResponse(as, CLIENT, tokenResponse(await idToken({ iss: 'https://evil.example' })), NONCE))).toBe('issuer_mismatch')
    expect(await reasonOf(verifyTokenResponse(as, CLIENT, tokenResponse(await idToken({ aud: 'another-app' })), NONCE))).toBe('audience_mismatch')
    expect(await reasonOf(verifyTokenResponse(as, CLIENT, tokenResponse(await idToken({ nonce: 'other' })), NONCE))).toBe('nonce_mismatch')
    expect(await reasonOf(verifyTokenResponse(as, CLIENT, tokenResponse(await idToken({ exp: now - 3600, iat: now - 7200 })), NONCE))).toBe('token_expired')
    // Signed by a key the provider does not publish, under the published kid.
    expect(await reasonOf(verifyTokenResponse(as, CLIENT, tokenResponse(await idToken({}, k2, 'k1')), NONCE))).toBe('bad_signature')
    // Claims changed after signing.
    const [h, , s] = (await idToken({})).split('.')
    const forged = Buffer.from(JSON.stringify({ iss: as.issuer, aud: CLIENT, sub: 'admin', nonce: NONCE, iat: now, exp: now + 300 })).toString('base64url')
    expect(await reasonOf(verifyTokenResponse(as, CLIENT, tokenResponse(`${h}.${forged}.${s}`), NONCE))).toBe('bad_signature')
    // No signature at all.
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${forged}.`
    expect(await reasonOf(verifyTokenResponse(as, CLIENT, tokenResponse(none), NONCE))).not.toBe('accepted')
    // An error from the token endpoint.
    const denied = Response.json({ error: 'invalid_grant', error_description: 'code used' }, { status: 400 })
    expect(await reasonOf(verifyTokenResponse(as, CLIENT, denied, NONCE))).toBe('token_failed')
  })

  test('key rotation: a token with a new kid refetches the JWKS once; an unknown kid stays refused', async () => {
    forgetProviders()
    await verifyTokenResponse(as, CLIENT, tokenResponse(await idToken({})), NONCE) // caches [k1]
    const before = jwksFetches
    published = [await pub(k1, 'k1'), await pub(k2, 'k2')]
    await verifyTokenResponse(as, CLIENT, tokenResponse(await idToken({}, k2, 'k2')), NONCE)
    expect(jwksFetches).toBe(before + 1)
    // Cached now: no further fetch.
    await verifyTokenResponse(as, CLIENT, tokenResponse(await idToken({}, k2, 'k2')), NONCE)
    expect(jwksFetches).toBe(before + 1)
    const k3 = await generateKeyPair('RS256')
    expect(await reasonOf(verifyTokenResponse(as, CLIENT, tokenResponse(await idToken({}, k3, 'k3')), NONCE))).toBe('bad_signature')
  })
})

describe('the e-mail a token vouches for', () => {
  test('Entra ID: email, else preferred_username, else upn; lower-cased; no email_verified needed', () => {
    expect(emailFromClaims('microsoft', { email: 'Ana.Souza@Empresa.com.br', preferred_username: 'x@y.com' })).toBe('ana.souza@empresa.com.br')
    expect(emailFromClaims('microsoft', { preferred_username: 'Bia@Empresa.onmicrosoft.com' })).toBe('bia@empresa.onmicrosoft.com')
    expect(emailFromClaims('microsoft', { preferred_username: 'not-an-address', upn: 'caio@empresa.com.br' })).toBe('caio@empresa.com.br')
    expect(() => emailFromClaims('microsoft', { preferred_username: '+5511999999999' })).toThrow(SsoError)
    expect(() => emailFromClaims('microsoft', { email: 'ana@empresa.com.br', email_verified: false })).toThrow('email_unverified')
  })

  test('other providers: email with email_verified true (boolean or "true")', () => {
    expect(emailFromClaims('generic', { email: 'ana@empresa.com.br', email_verified: true })).toBe('ana@empresa.com.br')
    expect(emailFromClaims('generic', { email: 'ana@empresa.com.br', email_verified: 'true' })).toBe('ana@empresa.com.br')
    expect(() => emailFromClaims('generic', { email: 'ana@empresa.com.br' })).toThrow('email_unverified')
    expect(() => emailFromClaims('generic', { email: 'ana@empresa.com.br', email_verified: false })).toThrow('email_unverified')
    expect(() => emailFromClaims('generic', { preferred_username: 'ana@empresa.com.br', email_verified: true })).toThrow('no_email')
  })

  test('names and domains', () => {
    expect(nameFromClaims({ name: ' Ana Souza ' }, 'a@b.com')).toBe('Ana Souza')
    expect(nameFromClaims({ given_name: 'Ana', family_name: 'Souza' }, 'a@b.com')).toBe('Ana Souza')
    expect(nameFromClaims({}, 'ana.souza@b.com')).toBe('ana.souza')
    expect(domainAllowed('ana@empresa.com.br', [])).toBe(true)
    expect(domainAllowed('ana@empresa.com.br', ['empresa.com.br'])).toBe(true)
    expect(domainAllowed('ana@evil-empresa.com.br', ['empresa.com.br'])).toBe(false)
    expect(domainAllowed('ana@sub.empresa.com.br', ['empresa.com.br'])).toBe(false)
  })
})
