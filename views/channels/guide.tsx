// The activation journey ("jornada de ativação"): what a company connecting WhatsApp Business for
// the first time does in Meta's dashboards, in order. Shown on the new-channel and channel pages.
import type { View } from '../view'

export function ActivationGuide({ v, open }: { v: View; open: boolean }) {
  return (
    <details class="card guide" open={open}>
      <summary>
        <strong>{v.escape('channels.guide_title')}</strong>
      </summary>
      <p class="muted">{v.escape('channels.guide_intro')}</p>
      <ol>
        <li>
          {v.escape('channels.guide_business')}{' '}
          <a href="https://business.facebook.com/" target="_blank" rel="noopener noreferrer">
            business.facebook.com
          </a>
        </li>
        <li>
          {v.escape('channels.guide_app')}{' '}
          <a href="https://developers.facebook.com/apps/" target="_blank" rel="noopener noreferrer">
            developers.facebook.com/apps
          </a>
        </li>
        <li>{v.escape('channels.guide_product')}</li>
        <li>{v.escape('channels.guide_number')}</li>
        <li>{v.escape('channels.guide_ids')}</li>
        <li>
          {v.escape('channels.guide_token')} <code>whatsapp_business_messaging</code>, <code>whatsapp_business_management</code>.
          <p class="hint">{v.escape('channels.guide_token_temp')}</p>
        </li>
        <li>{v.escape('channels.guide_secret')}</li>
        <li>{v.escape('channels.guide_save')}</li>
        <li>{v.escape('channels.guide_webhook')}</li>
        <li>
          {v.escape('channels.guide_fields')} <code>messages</code>, <code>message_template_status_update</code>.
        </li>
        <li>{v.escape('channels.guide_test')}</li>
      </ol>
      <p class="hint">{v.escape('channels.guide_trouble')}</p>
    </details>
  )
}
