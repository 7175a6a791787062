// WHERE clauses for list queries from optional filters: each `[sql with ?, value]` whose value is
// set becomes one condition with its own $n parameter.
export function whereClause (filters: ReadonlyArray<readonly [sql: string, value: unknown]>, params: unknown[] = []): { where: string, params: unknown[] } {
  const conditions: string[] = []
  for (const [sql, value] of filters) {
    if (value === undefined || value === null || value === '') continue
    params.push(value)
    conditions.push(sql.replace('?', `$${params.length}`))
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params }
}
