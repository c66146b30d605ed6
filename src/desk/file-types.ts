// What a file really is, from its bytes (magic numbers and a little structure), never from its name
// or the type the client declared; and whether WhatsApp takes it (whatsapp.md §5). Anything we do
// not recognise, or WhatsApp would refuse (GIF, HEIC, QuickTime, OGG Vorbis, HTML, executables,
// macro-enabled Office files...), is refused. The declared name only breaks a tie inside the OLE
// family for password-protected Office files (their streams do not say which application).
import type { MessageKey } from '../i18n'

export type FileKind = 'image' | 'audio' | 'video' | 'document' | 'sticker'

export interface FileType {
  mime: string
  kind: FileKind
  /** Canonical extension, without the dot. */
  ext: string
  /** Animated WebP sticker (a larger limit applies). */
  animated?: boolean
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation'

const TYPES = {
  jpeg: { mime: 'image/jpeg', kind: 'image', ext: 'jpg' },
  png: { mime: 'image/png', kind: 'image', ext: 'png' },
  webp: { mime: 'image/webp', kind: 'sticker', ext: 'webp' },
  pdf: { mime: 'application/pdf', kind: 'document', ext: 'pdf' },
  mp3: { mime: 'audio/mpeg', kind: 'audio', ext: 'mp3' },
  ogg: { mime: 'audio/ogg', kind: 'audio', ext: 'ogg' },
  aac: { mime: 'audio/aac', kind: 'audio', ext: 'aac' },
  amr: { mime: 'audio/amr', kind: 'audio', ext: 'amr' },
  m4a: { mime: 'audio/mp4', kind: 'audio', ext: 'm4a' },
  mp4: { mime: 'video/mp4', kind: 'video', ext: 'mp4' },
  '3gp': { mime: 'video/3gpp', kind: 'video', ext: '3gp' },
  doc: { mime: 'application/msword', kind: 'document', ext: 'doc' },
  xls: { mime: 'application/vnd.ms-excel', kind: 'document', ext: 'xls' },
  ppt: { mime: 'application/vnd.ms-powerpoint', kind: 'document', ext: 'ppt' },
  docx: { mime: DOCX, kind: 'document', ext: 'docx' },
  xlsx: { mime: XLSX, kind: 'document', ext: 'xlsx' },
  pptx: { mime: PPTX, kind: 'document', ext: 'pptx' },
  txt: { mime: 'text/plain', kind: 'document', ext: 'txt' },
} as const satisfies Record<string, FileType>

/** Extensions a file name may keep for each type; any other gets the canonical one appended. */
const EXTENSIONS: Record<string, readonly string[]> = {
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/png': ['png'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'audio/mpeg': ['mp3'],
  'audio/ogg': ['ogg', 'opus', 'oga'],
  'audio/aac': ['aac'],
  'audio/amr': ['amr'],
  'audio/mp4': ['m4a', 'm4b', 'mp4'],
  'video/mp4': ['mp4', 'm4v'],
  'video/3gpp': ['3gp', '3gpp'],
  'application/msword': ['doc', 'dot'],
  'application/vnd.ms-excel': ['xls', 'xlt'],
  'application/vnd.ms-powerpoint': ['ppt', 'pps', 'pot'],
  [DOCX]: ['docx'],
  [XLSX]: ['xlsx'],
  [PPTX]: ['pptx'],
  'text/plain': ['txt', 'csv', 'tsv', 'log', 'md'],
}

// ---- limits (whatsapp.md §5) ------------------------------------------------------------------
// Decimal megabytes: never accept a file Meta might measure as over its limit.
const MB = 1_000_000
const KB = 1_000
export const LIMITS = { image: 5 * MB, audio: 16 * MB, video: 16 * MB, document: 100 * MB, sticker: 100 * KB, animatedSticker: 500 * KB } as const

/** The largest file any kind accepts (the upload route's body limit must allow it). */
export const MAX_UPLOAD_BYTES = LIMITS.document

const TOO_LARGE: Record<FileKind | 'animatedSticker', MessageKey> = {
  image: 'desk.file_too_large_image',
  audio: 'desk.file_too_large_audio',
  video: 'desk.file_too_large_video',
  document: 'desk.file_too_large_document',
  sticker: 'desk.file_too_large_sticker',
  animatedSticker: 'desk.file_too_large_sticker_animated',
}

/** null when WhatsApp takes a file of this type and size; else the message key and the limit. */
export function sizeProblem(type: FileType, size: number): { key: MessageKey; max: number } | null {
  const which = type.kind === 'sticker' && type.animated ? 'animatedSticker' : type.kind
  const max = LIMITS[which]
  return size > max ? { key: TOO_LARGE[which], max } : null
}

// ---- detection ----------------------------------------------------------------------------------

const u16le = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8)
const u32le = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
const u32be = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0
const ascii = (b: Uint8Array, at: number, len: number) => (at + len <= b.length ? String.fromCharCode(...b.subarray(at, at + len)) : '')
const has = (b: Uint8Array, sig: readonly number[], at = 0) => at + sig.length <= b.length && sig.every((x, i) => b[at + i] === x)

/** The declared name's extension, lower case, without the dot ('' when none). */
export function extensionOf(name: string | null | undefined): string {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(name ?? '')
  return m ? m[1].toLowerCase() : ''
}

/**
 * The file's real type, if it is one WhatsApp can send; null otherwise. `declaredName` is used only
 * to tell password-protected DOCX/XLSX/PPTX apart (their OLE container does not say).
 */
export function detectFileType(bytes: Uint8Array, declaredName?: string | null): FileType | null {
  const b = bytes
  if (b.length === 0) return null
  if (has(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return TYPES.png
  if (has(b, [0xff, 0xd8, 0xff])) return TYPES.jpeg
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return webp(b)
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return null // WhatsApp takes no GIF
  if (ascii(b, 0, 5) === '%PDF-') return TYPES.pdf
  if (ascii(b, 0, 4) === 'OggS') return ogg(b)
  if (ascii(b, 0, 5) === '#!AMR') return ascii(b, 0, 6) === '#!AMR\n' ? TYPES.amr : null // AMR-NB only, no AMR-WB
  if (ascii(b, 0, 3) === 'ID3') return id3(b)
  if (b[0] === 0xff) return mpegAudio(b, 0)
  if (ascii(b, 4, 4) === 'ftyp') return isoMedia(b)
  if (has(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return ole(b, extensionOf(declaredName))
  if (has(b, [0x50, 0x4b, 0x03, 0x04])) return ooxml(b)
  return plainText(b)
}

function webp(b: Uint8Array): FileType | null {
  const chunk = ascii(b, 12, 4)
  if (chunk === 'VP8 ' || chunk === 'VP8L') return TYPES.webp
  if (chunk === 'VP8X' && b.length > 20) return b[20] & 0x02 ? { ...TYPES.webp, animated: true } : TYPES.webp
  return null
}

/** OGG with Opus inside (WhatsApp takes no Vorbis). */
function ogg(b: Uint8Array): FileType | null {
  if (b.length < 28 || b[4] !== 0 || !(b[5] & 0x02)) return null // version 0, beginning of stream
  const payload = 27 + b[26]
  return ascii(b, payload, 8) === 'OpusHead' ? TYPES.ogg : null
}

/** An ID3v2 tag, then MP3 or AAC frames. */
function id3(b: Uint8Array): FileType | null {
  if (b.length < 10 || b[3] < 2 || b[3] > 4 || b[4] === 0xff) return null
  if ((b[6] | b[7] | b[8] | b[9]) & 0x80) return null // sizes are "syncsafe": 7 bits per byte
  const size = (b[6] << 21) | (b[7] << 14) | (b[8] << 7) | b[9]
  const at = 10 + size + (b[5] & 0x10 ? 10 : 0)
  return mpegAudio(b, at)
}

const MP3_KBPS_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
const MP3_KBPS_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]

/** Length of the MPEG-1/2/2.5 Layer III frame at `at`, or 0 when there is none. */
function mp3FrameLength(b: Uint8Array, at: number): number {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return 0
  const version = (b[at + 1] >> 3) & 3 // 0: MPEG-2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
  const layer = (b[at + 1] >> 1) & 3 // 1: Layer III
  const rate = b[at + 2] >> 4
  const sampling = (b[at + 2] >> 2) & 3
  if (version === 1 || layer !== 1 || rate === 0 || rate === 15 || sampling === 3) return 0
  const kbps = (version === 3 ? MP3_KBPS_V1 : MP3_KBPS_V2)[rate]
  const hz = [44100, 48000, 32000][sampling] / (version === 3 ? 1 : version === 2 ? 2 : 4)
  return Math.floor(((version === 3 ? 144 : 72) * kbps * 1000) / hz) + ((b[at + 2] >> 1) & 1)
}

/** Length of the AAC ADTS frame at `at`, or 0. */
function adtsFrameLength(b: Uint8Array, at: number): number {
  if (at + 7 > b.length || b[at] !== 0xff || (b[at + 1] & 0xf6) !== 0xf0) return 0
  if (((b[at + 2] >> 2) & 0x0f) > 12) return 0 // sampling frequency index
  const length = ((b[at + 3] & 0x03) << 11) | (b[at + 4] << 3) | (b[at + 5] >> 5)
  return length >= 7 ? length : 0
}

/** MP3 or ADTS frames from `at`: the first frame must be followed by another one or by the end. */
function mpegAudio(b: Uint8Array, at: number): FileType | null {
  for (const [frame, type] of [
    [mp3FrameLength, TYPES.mp3],
    [adtsFrameLength, TYPES.aac],
  ] as const) {
    const length = frame(b, at)
    if (length && (at + length === b.length || frame(b, at + length) > 0)) return type
  }
  return null
}

const MP4_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'mp71', 'avc1', 'M4V ', 'M4VH', 'M4VP', 'mmp4', 'dash', 'MSNV', 'f4v '])
const AUDIO_BRANDS = new Set(['M4A ', 'M4B '])
const is3gpBrand = (brand: string) => /^3g(p|g|s|e)[0-9]$/.test(brand)
/** Brands of files WhatsApp refuses though they share the container: HEIF/AVIF images, QuickTime, DRM audio. */
const REFUSED_BRANDS = new Set(['qt  ', 'heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis', 'miaf', 'M4P ', 'crx '])

/** ISO base media (ftyp box): MP4 video, M4A audio, 3GPP. */
function isoMedia(b: Uint8Array): FileType | null {
  const boxSize = u32be(b, 0)
  if (boxSize < 16 || boxSize > 4096 || boxSize > b.length) return null
  const brands = [ascii(b, 8, 4)]
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(b, at, 4))
  if (brands.some((x) => REFUSED_BRANDS.has(x))) return null
  const major = brands[0]
  if (AUDIO_BRANDS.has(major)) return TYPES.m4a
  if (is3gpBrand(major)) return TYPES['3gp']
  const mp4 = MP4_BRANDS.has(major) || brands.some((x) => MP4_BRANDS.has(x) || AUDIO_BRANDS.has(x))
  if (!mp4) return brands.some(is3gpBrand) ? TYPES['3gp'] : null
  // A generic MP4 holds audio only, video, or both: the track handlers tell.
  const handlers = trackHandlers(b)
  if (handlers.has('vide')) return TYPES.mp4
  if (handlers.has('soun') || brands.some((x) => AUDIO_BRANDS.has(x))) return TYPES.m4a
  return TYPES.mp4
}

/** Handler types ('vide', 'soun', ...) of the `hdlr` boxes anywhere in the file. */
function trackHandlers(b: Uint8Array): Set<string> {
  const found = new Set<string>()
  for (let i = b.indexOf(0x68, 4); i >= 0 && i + 16 <= b.length; i = b.indexOf(0x68, i + 1)) {
    // 'hdlr', then version/flags (4), pre_defined (4), handler_type (4)
    if (b[i + 1] === 0x64 && b[i + 2] === 0x6c && b[i + 3] === 0x72) found.add(ascii(b, i + 12, 4))
  }
  return found
}

// ---- OLE2 compound file (DOC, XLS, PPT) ---------------------------------------------------------

const ENDOFCHAIN = 0xfffffffe
const MAX_SECTORS = 1_000_000

/** The names of the root storage's streams; null when the container is malformed. */
export function oleRootStreams(b: Uint8Array): Set<string> | null {
  if (b.length < 512) return null
  const shift = u16le(b, 30)
  if (shift !== 9 && shift !== 12) return null
  const size = 1 << shift
  const perSector = size / 4
  const offset = (sector: number) => (sector + 1) * size
  const inFile = (sector: number) => sector < MAX_SECTORS && offset(sector) + size <= b.length

  // The FAT's own sectors: 109 in the header, the rest in the DIFAT chain.
  const fatSectors: number[] = []
  for (let i = 0; i < 109; i++) fatSectors.push(u32le(b, 76 + i * 4))
  let difat = u32le(b, 68)
  for (let hops = 0; difat < ENDOFCHAIN && hops < 10_000; hops++) {
    if (!inFile(difat)) return null
    for (let i = 0; i < perSector - 1; i++) fatSectors.push(u32le(b, offset(difat) + i * 4))
    difat = u32le(b, offset(difat) + (perSector - 1) * 4)
  }
  const next = (sector: number): number | null => {
    const fat = fatSectors[Math.floor(sector / perSector)]
    if (fat === undefined || !inFile(fat)) return null
    return u32le(b, offset(fat) + (sector % perSector) * 4)
  }

  // The directory: a chain of sectors of 128-byte entries.
  const entries: { name: string; type: number; left: number; right: number; child: number }[] = []
  const seen = new Set<number>()
  for (let sector = u32le(b, 48); sector !== ENDOFCHAIN; ) {
    if (seen.has(sector) || !inFile(sector)) return null
    seen.add(sector)
    for (let at = offset(sector); at < offset(sector) + size; at += 128) {
      const nameBytes = Math.min(u16le(b, at + 64), 64)
      let name = ''
      for (let i = 0; i + 2 < nameBytes; i += 2) name += String.fromCharCode(u16le(b, at + i))
      entries.push({ name, type: b[at + 66], left: u32le(b, at + 68), right: u32le(b, at + 72), child: u32le(b, at + 76) })
    }
    const n = next(sector)
    if (n === null) return null
    sector = n
  }
  if (entries[0]?.type !== 5) return null // entry 0 is the root storage

  // The root's children: a tree through left/right siblings from the root's child.
  const names = new Set<string>()
  const stack = [entries[0].child]
  const visited = new Set<number>()
  while (stack.length) {
    const id = stack.pop()!
    if (id >= entries.length || visited.has(id)) continue
    visited.add(id)
    const e = entries[id]
    if (e.type === 2) names.add(e.name)
    stack.push(e.left, e.right)
  }
  return names
}

function ole(b: Uint8Array, declaredExt: string): FileType | null {
  const streams = oleRootStreams(b)
  if (!streams) return null
  if (streams.has('WordDocument')) return TYPES.doc
  if (streams.has('PowerPoint Document')) return TYPES.ppt
  if (streams.has('Workbook') || streams.has('Book')) return TYPES.xls
  // A password-protected DOCX/XLSX/PPTX is an OLE file with an EncryptedPackage stream; only the
  // name can say which one it is.
  if (streams.has('EncryptedPackage') && (declaredExt === 'docx' || declaredExt === 'xlsx' || declaredExt === 'pptx')) return TYPES[declaredExt]
  return null // MSI installers, Outlook messages, Visio, ... are OLE files too
}

// ---- ZIP (DOCX, XLSX, PPTX) ---------------------------------------------------------------------

/** Entry names from the ZIP central directory; null when it cannot be read. */
export function zipEntryNames(b: Uint8Array): string[] | null {
  const min = Math.max(0, b.length - 22 - 0xffff)
  let eocd = -1
  for (let i = b.length - 22; i >= min; i--) {
    if (b[i] === 0x50 && b[i + 1] === 0x4b && b[i + 2] === 0x05 && b[i + 3] === 0x06) {
      eocd = i
      break
    }
  }
  if (eocd < 0) return null
  const count = u16le(b, eocd + 10)
  let at = u32le(b, eocd + 16)
  if (count === 0xffff || at === 0xffffffff) return null // ZIP64: not an Office document of our sizes
  const decoder = new TextDecoder()
  const names: string[] = []
  for (let i = 0; i < count; i++) {
    if (at + 46 > b.length || u32le(b, at) !== 0x02014b50) return null
    const nameLength = u16le(b, at + 28)
    if (at + 46 + nameLength > b.length) return null
    names.push(decoder.decode(b.subarray(at + 46, at + 46 + nameLength)))
    at += 46 + nameLength + u16le(b, at + 30) + u16le(b, at + 32)
  }
  return names
}

function ooxml(b: Uint8Array): FileType | null {
  const names = zipEntryNames(b)
  if (!names || !names.includes('[Content_Types].xml')) return null // JAR, APK, plain ZIP...
  if (names.some((n) => /(^|\/)vbaProject\.bin$/i.test(n))) return null // macro-enabled
  const families = [
    ['word/', 'word/document.xml', TYPES.docx],
    ['xl/', 'xl/workbook.xml', TYPES.xlsx],
    ['ppt/', 'ppt/presentation.xml', TYPES.pptx],
  ] as const
  for (const [, main, type] of families) if (names.includes(main)) return type
  const present = families.filter(([prefix]) => names.some((n) => n.startsWith(prefix)))
  return present.length === 1 ? present[0][2] : null
}

// ---- plain text ---------------------------------------------------------------------------------

/** Valid UTF-8 without NULs, and not markup (HTML, SVG, XML start with '<' after white space). */
function plainText(b: Uint8Array): FileType | null {
  if (b.includes(0)) return null
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b)
  } catch {
    return null
  }
  if (/^\s*</.test(text)) return null // \s covers the BOM too
  return TYPES.txt
}

// ---- names --------------------------------------------------------------------------------------

/** The extension of a stored type (for files without a name). */
export function extensionForMime(mime: string): string {
  const base = mime.split(';')[0].trim().toLowerCase()
  return EXTENSIONS[base]?.[0] ?? 'bin'
}

const MAX_NAME = 200

/**
 * A file name safe to store and show: no path, no control or direction-changing characters, no
 * characters Windows refuses, at most 200 characters, and an extension that matches the real type
 * (appended when the given one does not).
 */
export function safeFilename(raw: string | null | undefined, type: FileType): string {
  let name = (raw ?? '').normalize('NFC')
  name = name.split(/[\\/]/).pop() ?? ''
  name = name
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '')
  let ext = extensionOf(name)
  if (!name || !(EXTENSIONS[type.mime] ?? []).includes(ext)) {
    name = `${name || 'arquivo'}.${type.ext}`
    ext = type.ext
  }
  if (name.length <= MAX_NAME) return name
  const suffix = `.${ext}`
  let base = ''
  for (const ch of name.slice(0, name.length - suffix.length)) {
    if (base.length + ch.length + suffix.length > MAX_NAME) break
    base += ch
  }
  return base.trimEnd() + suffix
}
