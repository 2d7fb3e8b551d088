/**
 * GET /api/archives/entries?host&site&archive&path&sort&order&offset&limit — one page of a folder of an
 * archive, from its index; with `q`, a name search across the whole archive instead. While the index
 * is being built the answer holds what has arrived so far (status.state tells). Authorised per host
 * (archive:browse) through lib/archives/request.ts; refusals are audited there. Browsing itself is audited once per archive
 * open, by the page, not per page of rows.
 */
import { breadcrumbs, entriesParamsSchema, entryJson, expectedEntries, statusJson, type DirectoryJson, type SearchJson } from "@/lib/archives/index/api";
import { json, prepareArchiveRequest } from "@/lib/archives/index/route";

export const dynamic = "force-dynamic";

const SEARCH_LIMIT = 500;

export async function GET(request: Request): Promise<Response> {
  const prepared = await prepareArchiveRequest(request, entriesParamsSchema);
  if (!prepared.ok) return prepared.response;
  const { params, ref, indexes } = prepared;
  const status = statusJson(indexes.open(ref), expectedEntries(ref));
  const reader = indexes.reader(ref.archive.id);

  if (params.q !== undefined) {
    const result = reader ? reader.search(params.q, SEARCH_LIMIT) : { rows: [], truncated: false };
    const body: SearchJson = { status, rows: result.rows.map(entryJson), truncated: result.truncated };
    return json(body);
  }

  const folder = reader?.directory(params.path) ?? null;
  const crumbs = breadcrumbs(params.path);
  if (!reader || !folder) {
    // Not there (yet): while building, the folder may still arrive; once complete it does not exist.
    const body: DirectoryJson = { status, found: false, folder: null, breadcrumbs: crumbs, total: 0, offset: params.offset, rows: [] };
    return json(body, status.state === "complete" ? 404 : 200);
  }
  const page = reader.list(folder, { sort: params.sort, order: params.order, offset: params.offset, limit: params.limit });
  const body: DirectoryJson = {
    status,
    found: true,
    folder: entryJson(folder),
    breadcrumbs: crumbs,
    total: page.total,
    offset: page.offset,
    rows: page.rows.map(entryJson),
  };
  return json(body);
}
