// A photo's location: found in its EXIF GPS or XMP, removed with the rest of its metadata unless
// the reporter asked to keep it (then kept as sent, and read).
import exifr from 'exifr'
import type { PhotoType } from './inspect.ts'
import { readMetadata, withoutMetadata } from './metadata.ts'

export interface Location {
  readonly latitude: number
  readonly longitude: number
}

export interface LocationOutcome {
  /** The bytes to store: the upload itself when the location is kept, else without metadata. */
  readonly bytes: Buffer
  /** The upload carried a location (EXIF GPS or XMP GPS tags). */
  readonly locationFound: boolean
  readonly locationKept: boolean
  readonly locationStripped: boolean
  /** The EXIF GPS position, when kept and readable. */
  readonly location?: Location
}

/** Handles the location of a photo already inspected (inspectPhoto): its structure is known to be sound. */
export async function stripLocation (bytes: Buffer, type: PhotoType, options: { keepLocation?: boolean } = {}): Promise<LocationOutcome> {
  const { tiffs, xmps } = readMetadata(bytes, type)
  const gps = await firstOf(tiffs, readGps)
  const locationFound = gps !== undefined || xmps.some((x) => /GPS(Latitude|Longitude)/.test(x))
  if (options.keepLocation) {
    return { bytes, locationFound, locationKept: locationFound, locationStripped: false, ...(gps && { location: gps }) }
  }
  const orientation = await firstOf(tiffs, async (t) => await exifr.orientation(t).catch(() => undefined))
  return { bytes: withoutMetadata(bytes, type, orientation), locationFound, locationKept: false, locationStripped: locationFound }
}

async function readGps (tiff: Buffer): Promise<Location | undefined> {
  // A damaged EXIF block is not worth refusing the photo over; it is removed all the same.
  const gps = await exifr.gps(tiff).catch(() => undefined)
  return gps && Number.isFinite(gps.latitude) && Number.isFinite(gps.longitude) ? { latitude: gps.latitude, longitude: gps.longitude } : undefined
}

async function firstOf<T> (tiffs: readonly Buffer[], read: (t: Buffer) => Promise<T | undefined>): Promise<T | undefined> {
  for (const t of tiffs) {
    const value = await read(t)
    if (value !== undefined) return value
  }
  return undefined
}
