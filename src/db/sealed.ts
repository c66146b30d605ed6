// Secrets kept in the database (channel tokens) are sealed with AES-256-GCM under a key derived
// (HKDF-SHA256) from KUMQUAT_SECRET_KEY, so a copied database file alone does not leak them.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const VERSION = 'v1'

export function deriveKey(secret: string, purpose = 'kumquat/db-secrets'): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'kumquat', purpose, 32))
}

export function seal(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`
}

export function unseal(key: Buffer, sealed: string): string {
  const [version, ivText, bodyText] = sealed.split('.')
  if (version !== VERSION || !ivText || !bodyText) throw new Error('not a sealed secret')
  const body = Buffer.from(bodyText, 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'))
  decipher.setAuthTag(body.subarray(body.length - 16))
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8')
}
