// pino JSON to stdout (transports crash inside the compiled binary; pretty-print by piping in dev).
import pino from 'pino'
import type { LogLevel } from './config'

export type Logger = pino.Logger

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Top-level keys only: wildcard paths cost ~10 µs on every line (the request log is hot), and
      // we never log request bodies or headers whole.
      redact: { paths: ['password', 'token', 'authorization', 'cookie', 'access_token', 'app_secret'], censor: '[redacted]' },
    },
    // Synchronous writes: a line per request is cheap, and nothing is lost when the process dies.
    destination ?? pino.destination({ fd: 1, sync: true }),
  )
}

/** Masks CPF/CNPJ-looking sequences and long digit runs (phone numbers) in free text bound for logs. */
export function maskDocuments(text: string): string {
  return text
    .replace(/\b\d{3}\.?\d{3}\.?\d{3}-?\d{2}\b/g, '***.***.***-**')
    .replace(/\b[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}\/?[0-9A-Z]{4}-?\d{2}\b/g, '**.***.***/****-**')
    .replace(/\d{8,}/g, (d) => d.slice(0, 2) + '*'.repeat(d.length - 4) + d.slice(-2))
}
