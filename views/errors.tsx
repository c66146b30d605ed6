import { Layout } from './layout'
import type { View } from './view'

export function ErrorPage({ v, status, message }: { v: View; status: number; message: string }) {
  return (
    <Layout v={v} title={`${status} · ${v.escape('error.title')}`}>
      <div class="errorpage">
        <div class="code" safe>
          {String(status)}
        </div>
        <h1>{v.escape('error.title')}</h1>
        <p safe>{message}</p>
        <p>
          <a class="button secondary" href="/">
            {v.escape('error.back_home')}
          </a>
        </p>
      </div>
    </Layout>
  )
}
