// The few pages single sign-on shows itself, plain and without outside resources (the provider's
// defaults load fonts from Google, which do not load in China).
/** A page; `body` must already be escaped. */
export const page = (title: string, body: string): string =>
  `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} 通办</title><body>${body}</body></html>`
