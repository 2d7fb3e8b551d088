import { test as setup } from "@playwright/test";
import { ADMIN_STATE, credential, signIn } from "./auth";

setup("sign in as the demo admin", async ({ page }) => {
  await signIn(page, credential("admin"));
  await page.context().storageState({ path: ADMIN_STATE });
});
