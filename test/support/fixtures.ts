// Where the real WhatsApp webhook payloads are (the shared fixtures beside this repository, the
// source of truth that may gain files; else the copy in test/fixtures/whatsapp, so a clone that
// sits anywhere else still replays them).
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const repo = join(import.meta.dir, '../..')
const shared = join(repo, '../shared/fixtures/whatsapp')

export const WHATSAPP_FIXTURES = existsSync(shared) ? shared : join(repo, 'test/fixtures/whatsapp')
