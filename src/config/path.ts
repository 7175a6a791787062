/** A zod issue's path as the configuration file writes it: `adapters[1].baseUrl`. */
export function formatPath (path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key), '') || '(root)'
}
