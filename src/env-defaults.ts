// Imported first by main.ts: `bun build --compile` would otherwise leave NODE_ENV unset or
// 'development', and Elysia then answers with verbose validation bodies.
process.env.NODE_ENV ??= 'production'
export {}
