import { expect, test } from 'bun:test'
import { deriveKey, seal, unseal } from './sealed'

test('seal/unseal round-trips, uses a fresh IV, and detects tampering or a wrong key', () => {
  const key = deriveKey('x'.repeat(40))
  const a = seal(key, 'EAAG-token-ção')
  const b = seal(key, 'EAAG-token-ção')
  expect(a).not.toBe(b)
  expect(a).not.toContain('EAAG')
  expect(unseal(key, a)).toBe('EAAG-token-ção')
  const flipped = a.slice(0, -3) + (a.at(-3) === 'A' ? 'B' : 'A') + a.slice(-2)
  expect(() => unseal(key, flipped)).toThrow()
  expect(() => unseal(deriveKey('y'.repeat(40)), a)).toThrow()
})
