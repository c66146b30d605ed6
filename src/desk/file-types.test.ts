import { describe, expect, test } from 'bun:test'
import { detectFileType, extensionForMime, LIMITS, safeFilename, sizeProblem, type FileType } from './file-types'

// ---- minimal real samples, built byte by byte ---------------------------------------------------

const enc = new TextEncoder()
const bytes = (...parts: (number[] | string | Uint8Array)[]) => {
  const chunks = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)))
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}
const u32be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]
const u32le = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255]

/** A 1×1 PNG. */
const PNG = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'),
)
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9])
const GIF = bytes('GIF89a', [1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21, 0xf9, 4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b])
const PDF = bytes('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
const webpStatic = bytes('RIFF', u32le(26), 'WEBP', 'VP8L', u32le(14), [0x2f, 0, 0, 0, 0, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0])
const webpAnimated = bytes('RIFF', u32le(30), 'WEBP', 'VP8X', u32le(10), [0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'ANIM', u32le(6), [0, 0, 0, 0, 0, 0])
/** MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417-byte frames. */
const mp3Frame = () => bytes([0xff, 0xfb, 0x90, 0x00], new Uint8Array(413))
const MP3 = bytes(mp3Frame(), mp3Frame())
const MP3_ID3 = bytes('ID3', [4, 0, 0, 0, 0, 0, 10], new Uint8Array(10), mp3Frame(), mp3Frame())
/** AAC ADTS, 16-byte frames. */
const adtsFrame = () => bytes([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc], new Uint8Array(9))
const AAC = bytes(adtsFrame(), adtsFrame())
const oggPage = (payload: string) => bytes('OggS', [0, 2], new Uint8Array(8), [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [1, payload.length], payload)
const OGG_OPUS = oggPage('OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x00')
const OGG_VORBIS = oggPage('\x01vorbis\x00\x00\x00\x00\x02\x44\xac\x00\x00')
const AMR = bytes('#!AMR\n', [0x3c, 0x48, 0xf5, 0x1f, 0x96, 0x66, 0x79, 0xe1])
const box = (type: string, ...body: (number[] | string | Uint8Array)[]) => {
  const inner = bytes(...body)
  return bytes(u32be(8 + inner.length), type, inner)
}
const ftyp = (major: string, ...compatible: string[]) => box('ftyp', major, [0, 0, 2, 0], ...compatible)
const hdlr = (handler: string) => box('hdlr', [0, 0, 0, 0], [0, 0, 0, 0], handler, new Uint8Array(12), [0])
const MP4_VIDEO = bytes(ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), box('moov', box('trak', box('mdia', hdlr('vide'))), box('trak', box('mdia', hdlr('soun')))))
const MP4_AUDIO_ONLY = bytes(ftyp('isom', 'isom', 'iso2', 'mp41'), box('moov', box('trak', box('mdia', hdlr('soun')))))
const M4A = bytes(ftyp('M4A ', 'M4A ', 'mp42', 'isom'), box('moov', box('trak', box('mdia', hdlr('soun')))))
const THREE_GP = bytes(ftyp('3gp4', '3gp4', '3gp5', 'isom'), box('moov'))
const QUICKTIME = bytes(ftyp('qt  ', 'qt  '), box('moov', box('trak', box('mdia', hdlr('vide')))))
const HEIC = bytes(ftyp('heic', 'mif1', 'heic'), box('meta'))

interface OleNode {
  name: string
  children?: OleNode[]
}
/** A compound file (v3, 512-byte sectors): a FAT sector, then the directory; streams are empty. */
function cfb(children: OleNode[]): Uint8Array {
  const NOSTREAM = 0xffffffff
  const flat: { name: string; type: number; right: number; child: number }[] = []
  const add = (nodes: OleNode[]): number => {
    const ids = nodes.map((n) => {
      flat.push({ name: n.name, type: n.children ? 1 : 2, right: NOSTREAM, child: NOSTREAM })
      return flat.length - 1
    })
    nodes.forEach((n, i) => {
      if (i + 1 < ids.length) flat[ids[i]].right = ids[i + 1]
      if (n.children) flat[ids[i]].child = add(n.children)
    })
    return ids.length ? ids[0] : NOSTREAM
  }
  flat.push({ name: 'Root Entry', type: 5, right: NOSTREAM, child: NOSTREAM })
  flat[0].child = add(children)
  const dirSectors = Math.ceil(flat.length / 4)
  const b = new Uint8Array(512 * (2 + dirSectors))
  const v = new DataView(b.buffer)
  b.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])
  v.setUint16(24, 0x3e, true)
  v.setUint16(26, 3, true)
  v.setUint16(28, 0xfffe, true)
  v.setUint16(30, 9, true)
  v.setUint16(32, 6, true)
  v.setUint32(44, 1, true) // one FAT sector
  v.setUint32(48, 1, true) // directory starts at sector 1
  v.setUint32(56, 4096, true)
  v.setUint32(60, 0xfffffffe, true)
  v.setUint32(68, 0xfffffffe, true)
  for (let i = 0; i < 109; i++) v.setUint32(76 + i * 4, i === 0 ? 0 : NOSTREAM, true)
  for (let i = 0; i < 128; i++) v.setUint32(512 + i * 4, NOSTREAM, true)
  v.setUint32(512, 0xfffffffd, true) // sector 0 is the FAT itself
  for (let d = 0; d < dirSectors; d++) v.setUint32(512 + (1 + d) * 4, d === dirSectors - 1 ? 0xfffffffe : 2 + d, true)
  flat.forEach((e, i) => {
    const at = 1024 + i * 128
    for (let k = 0; k < e.name.length; k++) v.setUint16(at + k * 2, e.name.charCodeAt(k), true)
    v.setUint16(at + 64, (e.name.length + 1) * 2, true)
    b[at + 66] = e.type
    v.setUint32(at + 68, NOSTREAM, true)
    v.setUint32(at + 72, e.right, true)
    v.setUint32(at + 76, e.child, true)
    v.setUint32(at + 116, 0xfffffffe, true)
  })
  return b
}
const DOC = cfb([{ name: '\x01CompObj' }, { name: 'WordDocument' }, { name: '1Table' }, { name: '\x05SummaryInformation' }])
const XLS = cfb([{ name: 'Workbook' }, { name: '\x05SummaryInformation' }])
const PPT = cfb([{ name: 'Current User' }, { name: 'PowerPoint Document' }, { name: 'Pictures' }])
/** A presentation with an embedded Word document: the root's own stream decides. */
const PPT_EMBEDDING_DOC = cfb([{ name: 'PowerPoint Document' }, { name: 'ObjectPool', children: [{ name: '_1234', children: [{ name: 'WordDocument' }] }] }])
const MSI = cfb([{ name: '\u4840\u3f3f\u4577\u446c\u3b6a\u45e4\u4824' }, { name: '\x05SummaryInformation' }])
const ENCRYPTED = cfb([{ name: 'EncryptionInfo' }, { name: 'EncryptedPackage' }, { name: '\x06DataSpaces', children: [{ name: 'Version' }] }])

/** A ZIP with stored entries (the central directory is what the detector reads). */
function zip(names: string[]): Uint8Array {
  const locals: Uint8Array[] = []
  const centrals: Uint8Array[] = []
  let offset = 0
  for (const n of names) {
    const name = enc.encode(n)
    const data = enc.encode('<x/>')
    const sizes = [...u32le(0), ...u32le(data.length), ...u32le(data.length)]
    const local = bytes(u32le(0x04034b50), [20, 0, 0, 0, 0, 0, 0, 0, 0, 0], sizes, [name.length, 0, 0, 0], name, data)
    centrals.push(bytes(u32le(0x02014b50), [20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0], sizes, [name.length, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], u32le(offset), name))
    locals.push(local)
    offset += local.length
  }
  const central = bytes(...centrals)
  return bytes(...locals, central, u32le(0x06054b50), [0, 0, 0, 0, names.length, 0, names.length, 0], u32le(central.length), u32le(offset), [0, 0])
}
const DOCX = zip(['[Content_Types].xml', '_rels/.rels', 'word/document.xml', 'word/styles.xml', 'docProps/core.xml'])
const XLSX = zip(['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml'])
const PPTX = zip(['[Content_Types].xml', '_rels/.rels', 'ppt/presentation.xml', 'ppt/slides/slide1.xml'])
const DOCM = zip(['[Content_Types].xml', 'word/document.xml', 'word/vbaProject.bin'])
const JAR = zip(['META-INF/MANIFEST.MF', 'com/example/Main.class'])

/** The start of a Windows executable (DOS stub, PE header). */
const EXE = bytes('MZ', [0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0, 0xb8], new Uint8Array(45), [0x80, 0, 0, 0], 'This program cannot be run in DOS mode.\r\r\n$', new Uint8Array(8), 'PE\0\0', [0x4c, 0x01, 3, 0])
const HTML = bytes('<!DOCTYPE html>\n<html><head><title>x</title></head><body><script>alert(1)</script></body></html>\n')

const mime = (b: Uint8Array, name?: string) => detectFileType(b, name)?.mime ?? null

describe('detectFileType: by the bytes', () => {
  test('images and stickers', () => {
    expect(detectFileType(PNG)).toEqual({ mime: 'image/png', kind: 'image', ext: 'png' })
    expect(detectFileType(JPEG)).toEqual({ mime: 'image/jpeg', kind: 'image', ext: 'jpg' })
    expect(detectFileType(webpStatic)).toEqual({ mime: 'image/webp', kind: 'sticker', ext: 'webp' })
    expect(detectFileType(webpAnimated)).toEqual({ mime: 'image/webp', kind: 'sticker', ext: 'webp', animated: true })
  })

  test('GIF, HEIC and QuickTime are refused (WhatsApp does not take them)', () => {
    expect(detectFileType(GIF, 'anim.gif')).toBeNull()
    expect(detectFileType(HEIC, 'photo.heic')).toBeNull()
    expect(detectFileType(QUICKTIME, 'clip.mov')).toBeNull()
  })

  test('audio: MP3 (frame sync and ID3), AAC ADTS, OGG Opus, AMR, M4A', () => {
    expect(detectFileType(MP3)).toEqual({ mime: 'audio/mpeg', kind: 'audio', ext: 'mp3' })
    expect(mime(MP3_ID3)).toBe('audio/mpeg')
    expect(detectFileType(AAC)).toEqual({ mime: 'audio/aac', kind: 'audio', ext: 'aac' })
    expect(detectFileType(OGG_OPUS)).toEqual({ mime: 'audio/ogg', kind: 'audio', ext: 'ogg' })
    expect(detectFileType(AMR)).toEqual({ mime: 'audio/amr', kind: 'audio', ext: 'amr' })
    expect(detectFileType(M4A)).toEqual({ mime: 'audio/mp4', kind: 'audio', ext: 'm4a' })
    expect(mime(MP4_AUDIO_ONLY)).toBe('audio/mp4') // generic brand, sound track only
  })

  test('OGG Vorbis, AMR-WB and a lone 0xFF byte run are refused', () => {
    expect(detectFileType(OGG_VORBIS)).toBeNull()
    expect(detectFileType(bytes('#!AMR-WB\n', [0x04, 0x10]))).toBeNull()
    expect(detectFileType(bytes([0xff, 0xfb, 0x90, 0x00], new Uint8Array(100), 'garbage'))).toBeNull()
    expect(detectFileType(bytes('ID3', [4, 0, 0, 0, 0, 0, 0], 'not audio after the tag'))).toBeNull()
  })

  test('video: MP4 and 3GPP', () => {
    expect(detectFileType(MP4_VIDEO)).toEqual({ mime: 'video/mp4', kind: 'video', ext: 'mp4' })
    expect(detectFileType(THREE_GP)).toEqual({ mime: 'video/3gpp', kind: 'video', ext: '3gp' })
  })

  test('documents: PDF, OLE (DOC/XLS/PPT by stream names), OOXML (DOCX/XLSX/PPTX), text', () => {
    expect(detectFileType(PDF)).toEqual({ mime: 'application/pdf', kind: 'document', ext: 'pdf' })
    expect(detectFileType(DOC)).toEqual({ mime: 'application/msword', kind: 'document', ext: 'doc' })
    expect(mime(XLS)).toBe('application/vnd.ms-excel')
    expect(mime(PPT)).toBe('application/vnd.ms-powerpoint')
    expect(mime(PPT_EMBEDDING_DOC)).toBe('application/vnd.ms-powerpoint')
    expect(detectFileType(DOCX)?.ext).toBe('docx')
    expect(mime(DOCX)).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document')
    expect(mime(XLSX)).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    expect(mime(PPTX)).toBe('application/vnd.openxmlformats-officedocument.presentationml.presentation')
    expect(detectFileType(enc.encode('Olá, mundo!\nçãõ 😀\n'))).toEqual({ mime: 'text/plain', kind: 'document', ext: 'txt' })
    expect(mime(enc.encode('\ufeffnome;código\nAna;1\n'), 'planilha.csv')).toBe('text/plain')
  })

  test('the name never decides: a declared .doc does not make an OLE installer a document', () => {
    expect(detectFileType(MSI, 'setup.doc')).toBeNull()
    expect(detectFileType(DOC, 'report.xls')?.mime).toBe('application/msword')
    expect(detectFileType(PNG, 'photo.pdf')?.mime).toBe('image/png')
  })

  test('a password-protected Office file is told apart by its extension, only inside the OOXML family', () => {
    expect(mime(ENCRYPTED, 'salarios.xlsx')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    expect(mime(ENCRYPTED, 'contrato.docx')).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document')
    expect(detectFileType(ENCRYPTED, 'thing.pdf')).toBeNull()
    expect(detectFileType(ENCRYPTED)).toBeNull()
  })

  test('a Windows executable renamed to .pdf is refused', () => {
    expect(detectFileType(EXE, 'boleto.pdf')).toBeNull()
    expect(detectFileType(EXE, 'notes.txt')).toBeNull()
  })

  test('HTML, SVG and XML are refused (they would be text otherwise)', () => {
    expect(detectFileType(HTML, 'page.txt')).toBeNull()
    expect(detectFileType(enc.encode('\ufeff  \n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'img.txt')).toBeNull()
    expect(detectFileType(enc.encode('<?xml version="1.0"?><a/>'))).toBeNull()
  })

  test('ZIPs that are not Office documents, macro-enabled documents, broken containers', () => {
    expect(detectFileType(JAR, 'app.docx')).toBeNull()
    expect(detectFileType(DOCM, 'x.docx')).toBeNull()
    expect(detectFileType(DOCX.subarray(0, DOCX.length - 22))).toBeNull() // no end-of-directory record
    expect(detectFileType(DOC.subarray(0, 1024))).toBeNull() // directory sector cut off
  })

  test('empty, binary and invalid UTF-8 are refused', () => {
    expect(detectFileType(new Uint8Array(0))).toBeNull()
    expect(detectFileType(bytes('abc', [0], 'def'))).toBeNull()
    expect(detectFileType(bytes([0x61, 0xc3, 0x28, 0x62]))).toBeNull()
    expect(detectFileType(bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], new Uint8Array(8)))).toBeNull() // ELF
  })
})

describe('sizeProblem: WhatsApp limits (whatsapp.md §5)', () => {
  const png = detectFileType(PNG)!
  const webp = detectFileType(webpStatic)!
  const animated = detectFileType(webpAnimated)!
  const pdf = detectFileType(PDF)!
  const mp3 = detectFileType(MP3)!
  const mp4 = detectFileType(MP4_VIDEO)!

  test('at the limit passes, one byte over is refused with the kind’s message', () => {
    expect(sizeProblem(png, LIMITS.image)).toBeNull()
    expect(sizeProblem(png, LIMITS.image + 1)).toEqual({ key: 'desk.file_too_large_image', max: 5_000_000 })
    expect(sizeProblem(mp3, 16_000_001)?.key).toBe('desk.file_too_large_audio')
    expect(sizeProblem(mp4, 16_000_001)?.key).toBe('desk.file_too_large_video')
    expect(sizeProblem(pdf, 100_000_000)).toBeNull()
    expect(sizeProblem(pdf, 100_000_001)?.key).toBe('desk.file_too_large_document')
    expect(sizeProblem(webp, 100_001)?.key).toBe('desk.file_too_large_sticker')
    expect(sizeProblem(animated, 100_001)).toBeNull()
    expect(sizeProblem(animated, 500_001)?.key).toBe('desk.file_too_large_sticker_animated')
  })
})

describe('safeFilename', () => {
  const type = (m: string): FileType => ({ png: detectFileType(PNG)!, pdf: detectFileType(PDF)!, txt: detectFileType(enc.encode('x'))! })[m]!

  test('keeps a good name', () => {
    expect(safeFilename('Relatório de março.pdf', type('pdf'))).toBe('Relatório de março.pdf')
    expect(safeFilename('clientes.csv', type('txt'))).toBe('clientes.csv')
  })

  test('strips paths, control and direction-changing characters, leading dots', () => {
    expect(safeFilename('../../etc/passwd', type('txt'))).toBe('passwd.txt')
    expect(safeFilename('C:\\Users\\ana\\foto.png', type('png'))).toBe('foto.png')
    expect(safeFilename('fatura\u202Efdp.exe', type('pdf'))).toBe('faturafdp.exe.pdf')
    expect(safeFilename('a\u0000b\r\nc\u0007.pdf', type('pdf'))).toBe('abc.pdf')
    expect(safeFilename('...hidden.pdf', type('pdf'))).toBe('hidden.pdf')
    expect(safeFilename('what?<x>"y".pdf', type('pdf'))).toBe('what__x__y_.pdf')
  })

  test('an extension that does not match the real type gets the right one appended', () => {
    expect(safeFilename('photo.pdf', type('png'))).toBe('photo.pdf.png')
    expect(safeFilename('page.html', type('txt'))).toBe('page.html.txt')
    expect(safeFilename('', type('pdf'))).toBe('arquivo.pdf')
    expect(safeFilename(null, type('png'))).toBe('arquivo.png')
  })

  test('at most 200 characters, keeping the extension and whole characters', () => {
    const name = safeFilename('é'.repeat(150) + '😀'.repeat(100) + '.pdf', type('pdf'))
    expect(name.length).toBeLessThanOrEqual(200)
    expect(name.endsWith('.pdf')).toBe(true)
    expect(name).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/) // no half of a surrogate pair
  })

  test('extensionForMime', () => {
    expect(extensionForMime('audio/ogg; codecs=opus')).toBe('ogg')
    expect(extensionForMime('application/pdf')).toBe('pdf')
    expect(extensionForMime('application/x-whatever')).toBe('bin')
  })
})
