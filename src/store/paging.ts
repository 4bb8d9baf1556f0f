/**
 * One way to page newest first by id, for history and room messages alike: `before` pages
 * back, `after` pages forward (with only `after`, the page is the rows right after it), and
 * each page says whether there is more on either side.
 */

export interface PageQuery {
  /** Rows older than this id (the next page back). */
  readonly before?: string | undefined;
  /** Rows newer than this id (the next page forward). */
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface PageFlags {
  /** Whether rows older than the oldest on the page exist (in the query's scope). */
  readonly hasOlder: boolean;
  /** Whether rows newer than the newest on the page exist. */
  readonly hasNewer: boolean;
}
