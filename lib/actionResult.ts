/**
 * What every server action answers (app/actions/*): ok or not, and a sentence for the person who
 * clicked. A form shows `message` through useActionState; nothing is passed back through the URL, so
 * no page ever shows text a link could have put there.
 *
 * `Data` is what a successful action adds (the restore job's id); `fields` on a failure are the
 * caller's own form values to put back (React resets a form after its action), never anything else.
 *
 * Wiring: a client component imports the server action it calls (`import { startRestore } from
 * "@/app/actions/restore"`), as RestoreButton, RefreshButton, LoginForm, SetupForm and UserAdmin do.
 * That is the Next.js idiom (the import compiles to a reference to the action's endpoint), the
 * component's one caller cannot hand it the wrong action, and pages need not thread actions through
 * props. Every action authorises itself, so where it is imported from grants nothing.
 */
export type ActionResult<Data extends object = object> =
  ({ ok: true; message: string } & Data) | { ok: false; message: string; fields?: Record<string, string> };

export const actionOk = <Data extends object = object>(message: string, data?: Data): ActionResult<Data> => ({ ok: true, message, ...(data as Data) });

export const actionFailed = (message: string, fields?: Record<string, string>): ActionResult<never> => ({ ok: false, message, ...(fields ? { fields } : {}) });
