/**
 * Finding things in the archive browser (components/archive/ArchiveBrowser.tsx) from e2e tests.
 */
import type { Page } from "@playwright/test";

/** The archive browser's URL for a demo archive on a site. */
export const archiveUrl = (host: string, archive: string, site = "onsite") => `/hosts/${host}/archives/${encodeURIComponent(archive)}?site=${site}`;

/** A folder-view row's name button (folders end in "/", symlinks start with "↪ "). */
export function rowButton(page: Page, name: string) {
  return page
    .getByRole("rowgroup", { name: "Entries" })
    .getByRole("button", { name: new RegExp(`^(↪ )?${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/?$`, "u") });
}

/** A row's selection checkbox. */
export function rowCheckbox(page: Page, name: string) {
  return page.getByRole("checkbox", { name: `Select ${name}`, exact: true });
}
