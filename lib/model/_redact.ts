// Text that may carry a URL with user information, made safe for errors, notes and reports.

/**
 * `scheme://user:password@host…` with the user information hidden, up to the last `@` of the token: a password may
 * itself hold `@` or `/`, so stopping at the first of either would print the rest of it.
 */
export function hideUserinfo(text: string): string {
  return text.replace(/(\/\/)[^\s"]*@/g, '$1***@');
}
