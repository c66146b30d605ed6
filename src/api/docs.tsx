// A readable API reference at /api/docs, rendered on the server from the same OpenAPI document as
// /api/v1/openapi.json (so it cannot drift), with the page's own stylesheet: no CDN, no script.
// Open to anyone, like the document itself (it holds no data).
import type { Context } from '../context'
import { buildView, html } from '../http/pages'
import { viewerOf } from '../http/auth'
import { Layout } from '../../views/layout'
import type { View } from '../../views/view'

interface Schema {
  type?: string | string[]
  format?: string
  description?: string
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  anyOf?: Schema[]
  oneOf?: Schema[]
  const?: unknown
  enum?: unknown[]
  minimum?: number
  maximum?: number
  maxLength?: number
  pattern?: string
  default?: unknown
  additionalProperties?: boolean | Schema
  patternProperties?: Record<string, Schema>
}

interface Operation {
  summary?: string
  description?: string
  tags?: string[]
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema; description?: string }[]
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>
}

export interface OpenApiDoc {
  info?: { title?: string; version?: string; description?: string }
  paths?: Record<string, Record<string, Operation>>
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete']

/** "string (date-time)", "integer ≥ 1", "\"a\" | \"b\"", "array of …". */
function typeLabel(s: Schema | undefined): string {
  if (!s) return 'any'
  if (s.const !== undefined) return JSON.stringify(s.const)
  if (s.enum) return s.enum.map((x) => JSON.stringify(x)).join(' | ')
  const union = s.anyOf ?? s.oneOf
  if (union) return union.map(typeLabel).join(' | ')
  const t = Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? (s.properties ? 'object' : 'any'))
  if (t === 'array') return `array of ${typeLabel(s.items)}`
  const bits = [t]
  if (s.format) bits.push(`(${s.format})`)
  if (s.minimum !== undefined) bits.push(`≥ ${s.minimum}`)
  if (s.maximum !== undefined) bits.push(`≤ ${s.maximum}`)
  if (s.maxLength !== undefined) bits.push(`max ${s.maxLength} chars`)
  return bits.join(' ')
}

/** The object properties of a schema (through arrays and unions), to list as fields. */
function fieldsOf(s: Schema | undefined): Schema | null {
  if (!s) return null
  if (s.properties) return s
  if (s.items) return fieldsOf(s.items)
  for (const x of s.anyOf ?? s.oneOf ?? []) {
    const f = fieldsOf(x)
    if (f) return f
  }
  return null
}

function Fields({ schema, depth = 0 }: { schema: Schema | undefined; depth?: number }): JSX.Element {
  const obj = fieldsOf(schema)
  if (!obj?.properties || depth > 4) return ''
  const required = new Set(obj.required ?? [])
  return (
    <ul class="api-fields">
      {Object.entries(obj.properties).map(([name, p]) => (
        <li>
          <code safe>{name}</code> <span class="muted small" safe>{`${typeLabel(p)}${required.has(name) ? '' : ' · optional'}`}</span>
          {p.description ? (
            <span class="small" safe>
              {` — ${p.description}`}
            </span>
          ) : (
            ''
          )}
          <Fields schema={p} depth={depth + 1} />
        </li>
      ))}
    </ul>
  )
}

const anchor = (method: string, path: string) => `${method}-${path.replace(/[^a-zA-Z0-9]+/g, '-')}`

export function ApiDocsPage({ v, doc }: { v: View; doc: OpenApiDoc }) {
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>()
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = ops[method]
      if (!op) continue
      const tag = op.tags?.[0] ?? 'other'
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }])
    }
  }
  const tags = [...byTag.keys()].sort()
  return (
    <Layout v={v} title={v.t('docs.title')}>
      <h1 safe>{`${doc.info?.title ?? 'API'} v${doc.info?.version ?? '1'}`}</h1>
      <div class="card">
        <p>{v.escape('docs.intro')}</p>
        <ul>
          <li>{v.escape('docs.auth')}</li>
          <li>{v.escape('docs.lists')}</li>
          <li>{v.escape('docs.errors')}</li>
          <li>{v.escape('docs.permissions')}</li>
        </ul>
        <p>
          <a href="/api/v1/openapi.json">{v.escape('docs.download')}</a>
        </p>
      </div>
      <nav class="card" aria-label={v.t('docs.contents')}>
        <h2>{v.escape('docs.contents')}</h2>
        <ul class="checks">
          {tags.map((tag) => (
            <li>
              <a href={`#tag-${tag.replace(/\W+/g, '-')}`} safe>
                {tag}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {tags.map((tag) => (
        <section class="card" id={`tag-${tag.replace(/\W+/g, '-')}`}>
          <h2 safe>{tag}</h2>
          {byTag.get(tag)!.map(({ method, path, op }) => {
            const body = op.requestBody?.content ? Object.entries(op.requestBody.content)[0] : null
            return (
              <details id={anchor(method, path)}>
                <summary>
                  <span class="badge" safe>
                    {method.toUpperCase()}
                  </span>{' '}
                  <code safe>{path}</code>{' '}
                  <span class="muted" safe>
                    {op.summary ?? ''}
                  </span>
                </summary>
                {op.description ? <p safe>{op.description}</p> : ''}
                {op.parameters?.length ? (
                  <>
                    <h3>{v.escape('docs.parameters')}</h3>
                    <ul class="api-fields">
                      {op.parameters.map((p) => (
                        <li>
                          <code safe>{p.name}</code>{' '}
                          <span class="muted small" safe>
                            {`${p.in} · ${typeLabel(p.schema)}${p.required ? '' : ' · optional'}`}
                          </span>
                          {p.description || p.schema?.description ? <span class="small" safe>{` — ${p.description ?? p.schema?.description}`}</span> : ''}
                        </li>
                      ))}
                    </ul>
                  </>
                ) : (
                  ''
                )}
                {body ? (
                  <>
                    <h3 safe>{`${v.t('docs.body')} (${body[0]})`}</h3>
                    <Fields schema={body[1].schema} />
                  </>
                ) : (
                  ''
                )}
                <h3>{v.escape('docs.responses')}</h3>
                <ul class="api-fields">
                  {Object.entries(op.responses ?? {}).map(([code, r]) => {
                    const content = r.content ? Object.values(r.content)[0] : undefined
                    return (
                      <li>
                        <code safe>{code}</code>{' '}
                        <span class="muted small" safe>
                          {r.description ?? ''}
                        </span>
                        {code.startsWith('2') ? <Fields schema={content?.schema} /> : ''}
                      </li>
                    )
                  })}
                </ul>
              </details>
            )
          })}
        </section>
      ))}
    </Layout>
  )
}

export function apiDocsResponse(ctx: Context, request: Request, doc: OpenApiDoc): Response {
  const viewer = viewerOf(ctx, request)
  return html(<ApiDocsPage v={buildView(ctx, request, viewer?.session ? viewer : null)} doc={doc} />)
}
