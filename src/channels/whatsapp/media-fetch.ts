// Downloads the media customers send: asks the Graph API for a fresh URL, downloads it with the
// channel token (allowed hosts only, size cap), checks the sha256 Meta announced, stores it
// content-addressed. Failures retry with backoff; after the last one the file shows as
// "mídia indisponível" with a retry button.
import type { Context } from '../../context'
import { write } from '../../db/open'
import { detectFileType } from '../../desk/file-types'
import { sameSha256, storeMediaFile } from '../../desk/media-files'
import type { Media } from '../../desk/media-store'
import type { WhatsAppSecrets, WhatsAppSettings } from '../store'
import { startLoop } from '../worker-loop'
import { GraphError, graphClient } from './graph'
import { recordMessageUpdated } from './statuses'

export const MEDIA_MAX_ATTEMPTS = 5
/** whatsapp.md §5: documents up to 100 MB are the largest inbound files. */
const MAX_BYTES = 100 * 1024 * 1024

export const mediaBackoffMs = (attempt: number) => Math.round(Math.min(5 * 60_000, 2_000 * 4 ** attempt) * (0.8 + Math.random() * 0.4))

export function startMediaFetcher(ctx: Context) {
  return startLoop(
    'media',
    ctx.log,
    async () => {
      const due = ctx.stores.media.due(Date.now(), 4)
      // Several downloads at once; each records its own outcome.
      await Promise.all(due.map((m) => fetchOne(ctx, m)))
      if (due.length) ctx.hub.wake()
      return due.length === 4
    },
    2000,
  )
}

async function fetchOne(ctx: Context, media: Media) {
  const channel = media.channel_id ? ctx.stores.channels.get(media.channel_id) : null
  if (!channel || !media.provider_media_id) return finish(ctx, media, new Error('no channel or media id'), true)
  try {
    const settings = channel.settings as unknown as WhatsAppSettings
    const client = graphClient(settings, ctx.stores.channels.secrets<WhatsAppSecrets>(channel.id).access_token)
    const info = await client.mediaInfo(media.provider_media_id)
    if (info.file_size && info.file_size > MAX_BYTES) throw new GraphError(413, 131052, `file of ${info.file_size} bytes is over the limit`)
    const bytes = await client.download(info.url, MAX_BYTES)
    const sha = storeMediaFile(ctx, bytes)
    if (!sameSha256(media.expected_sha256, sha) || !sameSha256(info.sha256, sha)) throw new Error('sha256 does not match what Meta announced')
    // The type we serve is the one the bytes say, not the one announced (which is only a fallback
    // for formats we do not recognise; those are served as attachments in a sandbox anyway).
    const detected = detectFileType(bytes, media.filename)
    write(ctx.db, () => {
      ctx.stores.media.markReady(media.id, sha, bytes.byteLength, detected?.mime ?? (info.mime_type || media.mime_type))
      for (const m of ctx.stores.messages.byMedia(media.id)) recordMessageUpdated(ctx, m.id)
    })
  } catch (err) {
    // 404 on the media id (expired after 7 days) or a size refusal will not get better.
    const permanent = err instanceof GraphError && (err.status === 404 || err.status === 413 || err.code === 100)
    finish(ctx, media, err, permanent)
  }
}

function finish(ctx: Context, media: Media, err: unknown, permanent: boolean) {
  const message = err instanceof Error ? err.message : String(err)
  ctx.log.warn({ media_id: media.id, attempt: media.attempts + 1, error: message }, 'media download failed')
  write(ctx.db, () => {
    if (permanent || media.attempts + 1 >= MEDIA_MAX_ATTEMPTS) {
      ctx.stores.media.markFailed(media.id, message)
      for (const m of ctx.stores.messages.byMedia(media.id)) recordMessageUpdated(ctx, m.id)
    } else {
      ctx.stores.media.retryLater(media.id, Date.now() + mediaBackoffMs(media.attempts), message)
    }
  })
}
