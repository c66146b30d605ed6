import { describe, expect, test } from 'bun:test'
import { ConfigError, loadConfig, parseDotEnv } from './config'

describe('loadConfig', () => {
  test('defaults: port 3000, ./data, pt-BR, São Paulo, 1 MiB bodies, http cookies', () => {
    const c = loadConfig({})
    expect(c.port).toBe(3000)
    expect(c.dataDir).toEndWith('/data')
    expect(c.baseUrl).toBe('http://localhost:3000')
    expect(c.secure).toBe(false)
    expect(c.defaultLanguage).toBe('pt-BR')
    expect(c.timeZone).toBe('America/Sao_Paulo')
    expect(c.maxBodyBytes).toBe(1024 * 1024)
    expect(c.logLevel).toBe('info')
  })

  test('an https base URL turns on secure cookies', () => {
    expect(loadConfig({ KUMQUAT_BASE_URL: 'https://atende.example.com/' })).toMatchObject({ secure: true, baseUrl: 'https://atende.example.com' })
  })

  test.each([
    ['KUMQUAT_PORT', 'abc'],
    ['KUMQUAT_PORT', '70000'],
    ['KUMQUAT_BASE_URL', 'atende.example.com'],
    ['KUMQUAT_BASE_URL', 'ftp://x'],
    ['KUMQUAT_SECRET_KEY', 'short'],
    ['LOG_LEVEL', 'loud'],
    ['KUMQUAT_LANGUAGE', 'fr'],
    ['KUMQUAT_TIME_ZONE', 'Mars/Olympus'],
    ['KUMQUAT_MAX_BODY_BYTES', '-1'],
  ])('%s=%s is refused with a message naming the variable', (name, value) => {
    let error: unknown
    try {
      loadConfig({ [name]: value })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).variable).toBe(name)
    expect((error as Error).message).toStartWith(`${name}: `)
  })
})

describe('parseDotEnv', () => {
  test('reads KEY=value lines, quotes, export and comments', () => {
    expect(parseDotEnv('# comment\nKUMQUAT_PORT=8080\nexport KUMQUAT_BASE_URL="https://x.example"\nEMPTY=\n bad line\nQ=\'a b\'')).toEqual({
      KUMQUAT_PORT: '8080',
      KUMQUAT_BASE_URL: 'https://x.example',
      EMPTY: '',
      Q: 'a b',
    })
  })
})
