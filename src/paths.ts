// The project root, whether running from src/ (tsx) or from the build in dist/src/.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('tongban: cannot find the project root (package.json)')
    dir = parent
  }
  return dir
}

export const projectRoot = findRoot()
export const fromRoot = (...parts: string[]): string => join(projectRoot, ...parts)
