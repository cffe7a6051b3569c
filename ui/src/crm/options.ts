// The synced pipelines or stages of one integration, for the pickers of the records browser and the
// bridge editor: every one of them, not only a first page (a portal with many pipelines has hundreds of stages).
import { api } from "../api";
import type { CrmRecord } from "../bindings/CrmRecord";

/** At most this many pages of 100 are read (10,000 pipelines or stages): a picker of more is no use. */
const MAX_PAGES = 100;

/** Every synced record of `entity` of integration `integrationId`, by title. */
export async function syncedOptions(integrationId: number, entity: "pipeline" | "stage"): Promise<CrmRecord[]> {
  const all: CrmRecord[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { items, total } = await api.listRecords({
      integration_id: integrationId, entity_type: entity, pipeline: null, stage: null, search: null, sort: "title", desc: false, page, per_page: 100,
    });
    all.push(...items);
    if (items.length === 0 || all.length >= Number(total)) break;
  }
  return all;
}
