import { Head, Link } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import Card from "../../components/Card";
import type { PageProps } from "../../types";

export default function RecoveryCodes({ codes, next }: PageProps<"Auth/RecoveryCodes">) {
  const { t } = useLingui();
  return (
    <>
      <Head title={t`Recovery codes`} />
      <Card title={t`Your recovery codes`}>
        <p className="text-sm text-slate-600">
          <Trans>
            Keep these somewhere safe, apart from your phone. Each code logs you in once when you
            cannot use your authenticator app. They are shown only now.
          </Trans>
        </p>
        <ul
          className="mt-4 grid grid-cols-2 gap-2 rounded-lg bg-slate-50 p-4 font-mono text-sm"
          aria-label={t`Recovery codes`}
        >
          {codes.map((code) => (
            <li key={code} data-testid="recovery-code">
              {code}
            </li>
          ))}
        </ul>
        <p className="mt-6">
          <Link
            href={next}
            className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
          >
            <Trans>I have saved them</Trans>
          </Link>
        </p>
      </Card>
    </>
  );
}
