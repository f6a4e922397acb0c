import { Head, Link, router, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import { FormError, PrimaryButton, SelectField, TextField } from "../../components/fields";
import { formatEventDate } from "../../lib/format";
import type { PageProps } from "../../types";

type Token = PageProps<"Manage/ApiTokens">["tokens"][number];

// The header a program sends, as it is in every language.
const AUTHORIZATION_HEADER = "Authorization: Bearer …";

// A moment of a token's life in the reader's own time zone (a token has no event's).
function when(iso: string): string {
  return formatEventDate(iso, Intl.DateTimeFormat().resolvedOptions().timeZone);
}

export default function ApiTokens({
  organizer,
  roles,
  tokens,
  new_token,
}: PageProps<"Manage/ApiTokens">) {
  const form = useForm({ name: "", role: "door_staff", expires_at: "" });
  const errors = form.errors as Partial<Record<"name" | "role" | "expires_at" | "form", string>>;

  function create(e: FormEvent) {
    e.preventDefault();
    form.post(`/manage/${organizer.slug}/api-tokens/`, { onSuccess: () => form.reset() });
  }

  const { confirm, dialog } = useConfirm();
  const { t } = useLingui();

  async function revoke(token: Token) {
    const name = token.name;
    const confirmed = await confirm({
      title: t`Revoke the token “${name}”?`,
      body: t`Every program using it is refused from now on. This cannot be undone.`,
      confirmLabel: t`Revoke`,
    });
    if (confirmed) {
      router.post(`/manage/${organizer.slug}/api-tokens/`, { action: "revoke", id: token.id });
    }
  }

  return (
    <>
      <Head title={t`API tokens`} />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <h1 className="mb-2 text-2xl font-bold tracking-tight">
        <Trans>API tokens</Trans>
      </h1>
      <p className="mb-4 text-sm text-slate-600">
        <Trans>
          Programs send a token as <code>{AUTHORIZATION_HEADER}</code>. See the{" "}
          <a href="/api/v1/docs" className="underline">
            API documentation
          </a>
          .
        </Trans>
      </p>
      {new_token ? (
        <div role="status" className="mb-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4">
          <p className="font-semibold">
            <Trans>Copy the new token now; it is not shown again.</Trans>
          </p>
          <code className="mt-2 block break-all rounded bg-white p-2" data-testid="new-token">
            {new_token}
          </code>
        </div>
      ) : null}
      <ul className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white">
        {tokens.map((token) => (
          <li
            key={token.id}
            className="flex flex-wrap items-center justify-between gap-2 p-4 text-sm"
            data-testid="api-token"
          >
            <span>
              <span className="font-medium">{token.name}</span> ·{" "}
              <span data-server-text>{token.role}</span> · <code>{token.prefix}…</code> ·{" "}
              <TokenUse token={token} />
              {token.creator_left ? (
                <span className="ml-1 text-amber-700" data-testid="creator-left">
                  <Trans>(its creator left the team)</Trans>
                </span>
              ) : null}
              {!token.active ? (
                <span className="ml-1 text-red-700">
                  <Trans>(inactive)</Trans>
                </span>
              ) : null}
            </span>
            {token.active ? (
              <button
                type="button"
                onClick={() => revoke(token)}
                className="text-red-700 hover:underline"
              >
                <Trans>Revoke</Trans>
              </button>
            ) : null}
          </li>
        ))}
        {tokens.length === 0 ? (
          <li className="p-4 text-sm text-slate-600">
            <Trans>No tokens yet.</Trans>
          </li>
        ) : null}
      </ul>
      <form
        onSubmit={create}
        className="mt-6 grid gap-3 rounded-xl border border-slate-200 bg-white p-5 sm:grid-cols-4 sm:items-end"
        noValidate
      >
        <FormError message={errors.form} />
        <TextField
          className="sm:col-span-2"
          label={t`Name`}
          value={form.data.name}
          onChange={(e) => form.setData("name", e.target.value)}
          error={errors.name}
          placeholder={t`Door scanner app`}
        />
        <SelectField
          label={t`Role`}
          value={form.data.role}
          onChange={(e) => form.setData("role", e.target.value)}
          options={roles}
          error={errors.role}
        />
        <TextField
          label={t`Expires (optional)`}
          type="date"
          value={form.data.expires_at}
          onChange={(e) => form.setData("expires_at", e.target.value)}
          error={errors.expires_at}
        />
        <div className="sm:col-span-4">
          <PrimaryButton disabled={form.processing}>
            <Trans>Create token</Trans>
          </PrimaryButton>
        </div>
      </form>
    </>
  );
}

// "last used …, expires …, created by …": a token's use and life, each a whole message.
function TokenUse({ token }: { token: Token }) {
  const { t } = useLingui();
  const lastUsed = token.last_used_at ? when(token.last_used_at) : null;
  const expires = token.expires_at ? when(token.expires_at) : null;
  const creator = token.created_by;
  return (
    <>
      {lastUsed ? t`last used ${lastUsed}` : t`never used`}
      {expires ? ` · ${t`expires ${expires}`}` : ""}
      {creator ? ` · ${t`created by ${creator}`}` : ""}
    </>
  );
}
