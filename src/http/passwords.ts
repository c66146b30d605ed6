// argon2id through Bun.password. One verification costs ~200 ms of CPU, so at most a few run at
// once: a burst of logins (or an attacker) queues instead of starving every other request.
const MAX_CONCURRENT = 2
let running = 0
const waiting: Array<() => void> = []

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await fn()
  } finally {
    running--
    waiting.shift()?.()
  }
}

export const hashPassword = (password: string): Promise<string> =>
  limited(() => Bun.password.hash(password, { algorithm: 'argon2id' }))

/** A hash of a random password, verified when the e-mail is unknown so timing does not reveal it. */
let decoy: Promise<string> | null = null

export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  if (!hash) {
    decoy ??= hashPassword(crypto.randomUUID())
    await limited(async () => Bun.password.verify(password, await decoy!))
    return false
  }
  return limited(() => Bun.password.verify(password, hash))
}

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 200
export const validPassword = (p: unknown): p is string =>
  typeof p === 'string' && p.length >= PASSWORD_MIN && p.length <= PASSWORD_MAX
