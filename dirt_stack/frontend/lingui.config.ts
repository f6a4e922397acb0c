import { defineConfig } from "@lingui/cli";
import { formatter } from "@lingui/format-po";

// The buyer's pages in Maticko's five languages (core/locales.py on the server), English
// the source. `en-x-pseudo` is a pseudo-locale: every message of the English catalog with
// its letters accented, so a page viewed in it shows any string that was never wrapped as
// plain ASCII (tests/browser/test_i18n_flow.py). Only the `maticko_locale` cookie selects it.
// `scripts/i18n-check.sh` extracts into a copy of the catalogs (LINGUI_CATALOGS) to compare.
const catalogs = process.env.LINGUI_CATALOGS ?? "<rootDir>/src/locales";

export default defineConfig({
  sourceLocale: "en",
  locales: ["en", "de", "fr", "es", "cs", "en-x-pseudo"],
  pseudoLocale: "en-x-pseudo",
  catalogs: [
    {
      path: `${catalogs}/{locale}/messages`,
      include: ["<rootDir>/src"],
      exclude: ["**/node_modules/**", "<rootDir>/src/generated/**"],
    },
  ],
  format: formatter({ lineNumbers: false }),
});
