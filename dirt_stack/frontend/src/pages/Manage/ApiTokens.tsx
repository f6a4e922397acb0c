import { Head, Link, router, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import { FormError, PrimaryButton, SelectField, TextField } from "../../components/fields";
import type { PageProps } from "../../types";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString("en-GB") : "never");

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

  return (
    <>
      <Head title="API tokens" />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <h1 className="mb-2 text-2xl font-bold tracking-tight">API tokens</h1>
      <p className="mb-4 text-sm text-slate-600">
        Programs send a token as <code>Authorization: Bearer …</code>. See the{" "}
        <a href="/api/v1/docs" className="underline">
          API documentation
        </a>
        .
      </p>
      {new_token ? (
        <div role="status" className="mb-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4">
          <p className="font-semibold">Copy the new token now; it is not shown again.</p>
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
              <span className="font-medium">{token.name}</span> · {token.role} ·{" "}
              <code>{token.prefix}…</code> · last used {when(token.last_used_at)}
              {token.expires_at ? ` · expires ${when(token.expires_at)}` : ""}
              {token.created_by ? ` · created by ${token.created_by}` : ""}
              {token.creator_left ? (
                <span className="ml-1 text-amber-700" data-testid="creator-left">
                  (its creator left the team)
                </span>
              ) : null}
              {!token.active ? <span className="ml-1 text-red-700">(inactive)</span> : null}
            </span>
            {token.active ? (
              <button
                type="button"
                onClick={async () => {
                  const confirmed = await confirm({
                    title: `Revoke the token “${token.name}”?`,
                    body: "Every program using it is refused from now on. This cannot be undone.",
                    confirmLabel: "Revoke",
                  });
                  if (confirmed) {
                    router.post(`/manage/${organizer.slug}/api-tokens/`, {
                      action: "revoke",
                      id: token.id,
                    });
                  }
                }}
                className="text-red-700 hover:underline"
              >
                Revoke
              </button>
            ) : null}
          </li>
        ))}
        {tokens.length === 0 ? (
          <li className="p-4 text-sm text-slate-600">No tokens yet.</li>
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
          label="Name"
          value={form.data.name}
          onChange={(e) => form.setData("name", e.target.value)}
          error={errors.name}
          placeholder="Door scanner app"
        />
        <SelectField
          label="Role"
          value={form.data.role}
          onChange={(e) => form.setData("role", e.target.value)}
          options={roles}
          error={errors.role}
        />
        <TextField
          label="Expires (optional)"
          type="date"
          value={form.data.expires_at}
          onChange={(e) => form.setData("expires_at", e.target.value)}
          error={errors.expires_at}
        />
        <div className="sm:col-span-4">
          <PrimaryButton disabled={form.processing}>Create token</PrimaryButton>
        </div>
      </form>
    </>
  );
}
