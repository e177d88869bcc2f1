/** One page of a Tessera list: `{data, has_more}` (API.md, "Conventions"). */
export interface Page<T> {
  data: T[];
  has_more: boolean;
}

/** The most a list command fetches per request (the API's maximum page size). */
export const PAGE_SIZE = 100;

/**
 * Every item of a list, page after page (`starting_after` the last item's id), or the first
 * `limit`. `idOf`: the cursor of an item (its `id`; a member's `user_id`).
 */
export async function listAll<T>(
  fetchPage: (query: { limit: number; starting_after?: string }) => Promise<Page<T> | undefined>,
  limit = Infinity,
  idOf: (item: T) => string = (item) => (item as { id: string }).id,
): Promise<T[]> {
  const items: T[] = [];
  let startingAfter: string | undefined;
  while (items.length < limit) {
    const pageSize = Math.min(PAGE_SIZE, limit - items.length);
    const page = await fetchPage({ limit: pageSize, starting_after: startingAfter });
    if (!page) break;
    items.push(...page.data);
    if (!page.has_more || page.data.length === 0) break;
    startingAfter = idOf(page.data[page.data.length - 1]);
  }
  return items.slice(0, limit);
}
