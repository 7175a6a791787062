// Decides whether uploaded bytes are a photo we take: JPEG, PNG or WebP by their content (never
// the file name or declared type), within the byte limit, within the pixel budget read from the
// header (a small file can decode to gigabytes: a decompression bomb), and whole.
import { fileTypeFromBuffer } from 'file-type'
import { imageSize } from 'image-size'
import { TongbanError } from '../errors.ts'
import { ImageStructureError } from './corrupt.ts'
import { jpegLayout } from './jpeg.ts'
import { pngChunks } from './png.ts'
import { webpChunks } from './webp.ts'

export const PHOTO_TYPES = { 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/webp': 'WebP' } as const
export type PhotoType = keyof typeof PHOTO_TYPES

export interface PhotoLimits {
  /** Largest file accepted, in bytes. */
  readonly maxBytes: number
  /** Largest width × height accepted. */
  readonly maxPixels: number
  /** Longest side accepted, in pixels: refuses 1 × 40,000,000 strips that fit the budget. */
  readonly maxSide: number
}

export const DEFAULT_PHOTO_LIMITS: PhotoLimits = { maxBytes: 10 * 1024 * 1024, maxPixels: 40_000_000, maxSide: 20_000 }

export interface InspectedPhoto {
  readonly type: PhotoType
  readonly width: number
  readonly height: number
}

const walkers: Record<PhotoType, (b: Buffer) => unknown> = { 'image/jpeg': jpegLayout, 'image/png': pngChunks, 'image/webp': webpChunks }

/** The photo's type and pixel size; throws TB_PHOTO_TOO_LARGE, TB_PHOTO_NOT_IMAGE, TB_PHOTO_TOO_MANY_PIXELS or TB_PHOTO_CORRUPT. */
export async function inspectPhoto (bytes: Buffer, limits: Partial<PhotoLimits> = {}): Promise<InspectedPhoto> {
  const { maxBytes, maxPixels, maxSide } = { ...DEFAULT_PHOTO_LIMITS, ...limits }
  if (bytes.length > maxBytes) throw new TongbanError('TB_PHOTO_TOO_LARGE', [bytes.length, maxBytes])
  const sniffed = await fileTypeFromBuffer(bytes)
  if (sniffed === undefined || !(sniffed.mime in PHOTO_TYPES)) throw new TongbanError('TB_PHOTO_NOT_IMAGE', [sniffed?.mime ?? 'no known type'])
  const type = sniffed.mime as PhotoType
  const name = PHOTO_TYPES[type]
  let width: number | undefined
  let height: number | undefined
  try {
    ({ width, height } = imageSize(bytes))
  } catch (err) {
    throw new TongbanError('TB_PHOTO_CORRUPT', [name, `no readable size in its header: ${(err as Error).message}`], { cause: err })
  }
  if (!width || !height) throw new TongbanError('TB_PHOTO_CORRUPT', [name, `its header gives ${width ?? '?'}×${height ?? '?'} pixels`])
  // Checked before the walk so a bomb is refused on its header alone.
  if (width * height > maxPixels || width > maxSide || height > maxSide) throw new TongbanError('TB_PHOTO_TOO_MANY_PIXELS', [width, height, maxPixels, maxSide])
  try {
    walkers[type](bytes)
  } catch (err) {
    if (err instanceof ImageStructureError) throw new TongbanError('TB_PHOTO_CORRUPT', [name, err.message], { cause: err })
    throw err
  }
  return { type, width, height }
}
