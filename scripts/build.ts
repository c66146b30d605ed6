// `bun run build`: one executable, dist/kumquat, embedding views, public/ assets, htmx and the
// migrations. --production inlines NODE_ENV=production (else Elysia answers verbose errors).
import { mkdirSync, statSync } from 'node:fs'

const outfile = process.argv[2] ?? 'dist/kumquat'
mkdirSync('dist', { recursive: true })
const started = performance.now()
const proc = Bun.spawnSync(
  [process.execPath, 'build', '--compile', '--production', '--minify', '--sourcemap', 'src/main.ts', '--outfile', outfile],
  { stdout: 'inherit', stderr: 'inherit', cwd: import.meta.dir + '/..' },
)
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1)
const mb = (statSync(outfile).size / 1024 / 1024).toFixed(1)
console.log(`built ${outfile} (${mb} MB) in ${Math.round(performance.now() - started)} ms`)
