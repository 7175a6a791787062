// Accepting a photo for a risk report or a whistle answer: inspect → handle its location → store.
import type { PhotosConfig } from '../config/schema.ts'
import { stripLocation, type Location } from './exif.ts'
import { DEFAULT_PHOTO_LIMITS, inspectPhoto, type PhotoLimits, type PhotoType } from './inspect.ts'
import { LocalPhotoStore } from './local-store.ts'
import { S3PhotoStore } from './s3-store.ts'
import type { PhotoStore } from './store.ts'

export { inspectPhoto, DEFAULT_PHOTO_LIMITS, PHOTO_TYPES, type PhotoLimits, type PhotoType, type InspectedPhoto } from './inspect.ts'
export { stripLocation, type Location, type LocationOutcome } from './exif.ts'
export { photoKey, sha256Of, type PhotoStore, type PhotoMeta, type StoredPhoto } from './store.ts'
export { LocalPhotoStore } from './local-store.ts'
export { S3PhotoStore, type S3PhotoStoreOptions } from './s3-store.ts'

export interface AcceptedPhoto {
  readonly sha256: string
  readonly size: number
  readonly contentType: PhotoType
  readonly width: number
  readonly height: number
  readonly key: string
  /** The upload carried a location and it is stored with the photo (the reporter asked). */
  readonly locationKept: boolean
  /** The upload carried a location and it was removed before storing. */
  readonly locationStripped: boolean
  /** The kept EXIF GPS position, for the report's map. */
  readonly location?: Location
}

export interface AcceptOptions {
  readonly limits?: Partial<PhotoLimits>
  readonly keepLocation?: boolean
}

/** Throws the TB_PHOTO_* errors of inspectPhoto, or TB_PHOTO_STORE_UNAVAILABLE. */
export async function acceptPhoto (bytes: Buffer, options: AcceptOptions, store: PhotoStore): Promise<AcceptedPhoto> {
  const { type, width, height } = await inspectPhoto(bytes, options.limits)
  const outcome = await stripLocation(bytes, type, { keepLocation: options.keepLocation })
  const stored = await store.put(outcome.bytes, { type, width, height })
  return {
    sha256: stored.sha256,
    size: stored.size,
    contentType: type,
    width,
    height,
    key: stored.key,
    locationKept: outcome.locationKept,
    locationStripped: outcome.locationStripped,
    ...(outcome.location && { location: outcome.location }),
  }
}

/** The limits of the `photos:` configuration section (defaults when it is absent). */
export function photoLimitsOf (photos: PhotosConfig | undefined): PhotoLimits {
  return { ...DEFAULT_PHOTO_LIMITS, ...(photos && { maxBytes: photos.maxBytes, maxPixels: photos.maxPixels }) }
}

/** The store the `photos:` configuration names; local under `dataDir` when it names none. */
export function photoStoreOf (config: { photos?: PhotosConfig }, dataDir: string): PhotoStore {
  const store = config.photos?.store
  if (store?.kind === 's3') return new S3PhotoStore(store)
  return new LocalPhotoStore(dataDir)
}
