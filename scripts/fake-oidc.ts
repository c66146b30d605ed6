// A real OpenID Connect provider for tests and development: the `oidc-provider` package (the
// certified implementation) with its development login and consent pages, one client registered
// for Kumquat's callback, and switches the SSO tests use to misbehave like a broken or hostile
// provider (an ID token signed with a foreign key).
//
//   bun scripts/fake-oidc.ts [--port 4400] [--redirect http://localhost:3000/sso/callback]
//
// prints the issuer URL, client id and client secret to put on Kumquat's /admin/sso page. Any
// login name works; "ana@empresa.com.br" signs in as that address, "ana" as ana@example.com.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose'
import Provider from 'oidc-provider'

export interface FakeOidc {
  /** The issuer identifier (what the discovery document and the ID tokens say). */
  issuer: string
  /** Where it listens (differs from `issuer` only when `publicIssuer` was given). */
  url: string
  clientId: string
  clientSecret: string
  /** Next ID tokens are re-signed with a key that is not in the provider's JWKS (same `kid`). */
  forgeSignatures: boolean
  stop(): Promise<void>
}

export interface FakeOidcOptions {
  redirectUris: string[]
  port?: number
  /** An issuer other than the listening address: for "the provider says it is someone else". */
  publicIssuer?: (port: number) => string
  clientId?: string
  clientSecret?: string
  /** true: the e-mail only from the UserInfo endpoint, not in the ID token (oidc-provider's default). */
  conformIdTokenClaims?: boolean
  /** Extra claims per login name (e.g. { email_verified: false }). */
  claims?: (login: string) => Record<string, unknown>
}

const KID = 'fake-oidc-1'

export const emailOf = (login: string) => (login.includes('@') ? login.toLowerCase() : `${login.toLowerCase()}@example.com`)

export async function startFakeOidc(o: FakeOidcOptions): Promise<FakeOidc> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  const issuer = o.publicIssuer?.(port) ?? url
  const clientId = o.clientId ?? 'kumquat'
  const clientSecret = o.clientSecret ?? 'kumquat-test-secret-0123456789'

  const signing = await generateKeyPair('RS256', { extractable: true })
  const foreign = await generateKeyPair('RS256', { extractable: true })
  const jwk = { ...(await exportJWK(signing.privateKey)), kid: KID, alg: 'RS256', use: 'sig' }

  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: o.redirectUris, token_endpoint_auth_method: 'client_secret_post' }],
    jwks: { keys: [jwk] },
    cookies: { keys: ['fake-oidc-cookie-key-0123456789'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    // Put the requested claims (email) in the ID token, as Entra ID, Google and Keycloak do.
    conformIdTokenClaims: o.conformIdTokenClaims ?? false,
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, email: emailOf(id), email_verified: true, name: `Pessoa ${id.split('@')[0]}`, ...(o.claims?.(id) ?? {}) }),
    }),
  })

  const fake: FakeOidc = {
    issuer,
    url,
    clientId,
    clientSecret,
    forgeSignatures: false,
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }

  // After the token endpoint answered: swap the ID token for the same claims signed with a key the
  // provider never published, as an attacker in the middle would.
  provider.use(async (ctx, next) => {
    await next()
    const body = ctx.body as { id_token?: string } | undefined
    if (!fake.forgeSignatures || ctx.path !== '/token' || !body?.id_token) return
    const claims = decodeJwt(body.id_token)
    body.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' }).sign(foreign.privateKey)
  })

  server.on('request', provider.callback())
  return fake
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`)
    return i > 0 ? process.argv[i + 1] : undefined
  }
  const redirect = arg('redirect') ?? 'http://localhost:3000/sso/callback'
  const fake = await startFakeOidc({ redirectUris: [redirect], port: Number(arg('port') ?? 4400) })
  console.log(JSON.stringify({ issuer: fake.issuer, client_id: fake.clientId, client_secret: fake.clientSecret, redirect_uri: redirect }))
}
