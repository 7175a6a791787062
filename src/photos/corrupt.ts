// A structural fault found while walking an image: the walkers throw it, inspect.ts turns it
// into TB_PHOTO_CORRUPT with the format's name.
export class ImageStructureError extends Error {}

export function fault (reason: string): never {
  throw new ImageStructureError(reason)
}
