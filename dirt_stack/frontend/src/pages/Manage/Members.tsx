import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import { FormError, PrimaryButton, SelectField, TextField } from "../../components/fields";
import type { PageProps } from "../../types";

type Props = PageProps<"Manage/Members">;

export default function Members({ organizer, my_role, roles, members, invitations }: Props) {
  const { t } = useLingui();
  const isOwner = my_role === "owner";
  const name = organizer.name;
  const form = useForm({ email: "", role: "manager" });
  const errors = form.errors as Partial<Record<"email" | "role" | "form", string>>;
  // A role change or removal refused by the server (e.g. the last owner) lands on the page.
  const pageErrors = usePage().props.errors;
  const base = `/manage/${organizer.slug}`;
  const roleLabel = (value: string) => roles.find((r) => r.value === value)?.label ?? value;

  function invite(event: FormEvent) {
    event.preventDefault();
    form.post(`${base}/members/`, { onSuccess: () => form.reset("email") });
  }

  const { confirm, dialog } = useConfirm();

  async function remove(member: Props["members"][number]) {
    const email = member.email;
    const confirmed = await confirm(
      member.is_me
        ? {
            title: t`Remove yourself from ${name}?`,
            body: t`You lose access to this organizer's events at once.`,
            confirmLabel: t`Remove`,
          }
        : {
            title: t`Remove ${email} from ${name}?`,
            body: t`They lose access to this organizer's events at once.`,
            confirmLabel: t`Remove`,
          },
    );
    if (confirmed) {
      router.post(`${base}/members/${member.id}/`, { action: "remove" });
    }
  }

  async function withdraw(invitation: Props["invitations"][number]) {
    const email = invitation.email;
    const confirmed = await confirm({
      title: t`Withdraw the invitation to ${email}?`,
      body: t`The link in their email stops working.`,
      confirmLabel: t`Withdraw`,
    });
    if (confirmed) {
      router.post(`${base}/invitations/${invitation.id}/revoke/`);
    }
  }

  return (
    <>
      <Head title={t`Team`} />
      {dialog}
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <h1 className="mb-6 text-2xl font-bold tracking-tight">
        <Trans>Team of {name}</Trans>
      </h1>
      <FormError message={pageErrors.form ?? errors.form} />
      <section className="mt-4 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 className="mb-3 text-lg font-semibold">
          <Trans>Members</Trans>
        </h2>
        <ul className="divide-y divide-slate-100">
          {members.map((member) => (
            <li
              key={member.id}
              className="flex flex-wrap items-center justify-between gap-3 py-2"
              data-testid="member"
            >
              <div>
                <p className="font-medium">
                  {member.name}{" "}
                  {member.is_me ? (
                    <span className="text-sm text-slate-500">
                      <Trans>(you)</Trans>
                    </span>
                  ) : null}
                </p>
                <p className="text-sm text-slate-600">{member.email}</p>
              </div>
              {isOwner ? (
                <div className="flex items-center gap-2">
                  <label className="sr-only" htmlFor={`role-${member.id}`}>
                    <Trans>Role of {member.email}</Trans>
                  </label>
                  <select
                    id={`role-${member.id}`}
                    value={member.role}
                    onChange={(e) =>
                      router.post(`${base}/members/${member.id}/`, { role: e.target.value })
                    }
                    className="rounded-lg border border-slate-300 px-2 py-1 text-sm"
                  >
                    {roles.map((role) => (
                      <option key={role.value} value={role.value}>
                        {role.label}
                      </option>
                    ))}
                  </select>
                  <button
                    type="button"
                    onClick={() => remove(member)}
                    className="rounded-lg border border-slate-300 px-2 py-1 text-sm text-red-700 hover:bg-red-50"
                  >
                    <Trans>Remove</Trans>
                  </button>
                </div>
              ) : (
                <span className="text-sm text-slate-600" data-server-text>
                  {roleLabel(member.role)}
                </span>
              )}
            </li>
          ))}
        </ul>
      </section>

      {isOwner ? (
        <section className="mt-6 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 className="mb-3 text-lg font-semibold">
            <Trans>Invite someone</Trans>
          </h2>
          <p className="mb-4 text-sm text-slate-600">
            <Trans>
              Managers create and edit events and handle orders; door staff can only check tickets
              in.
            </Trans>
          </p>
          <form
            onSubmit={invite}
            className="grid gap-3 sm:grid-cols-[1fr_12rem_auto] sm:items-end"
            noValidate
          >
            <TextField
              label={t`Email`}
              type="email"
              value={form.data.email}
              onChange={(e) => form.setData("email", e.target.value)}
              error={errors.email}
              required
            />
            <SelectField
              label={t`Role`}
              value={form.data.role}
              onChange={(e) => form.setData("role", e.target.value)}
              options={roles}
              error={errors.role}
            />
            <PrimaryButton disabled={form.processing}>
              <Trans>Send invitation</Trans>
            </PrimaryButton>
          </form>
          {invitations.length > 0 ? (
            <>
              <h3 className="mt-6 text-sm font-semibold text-slate-700">
                <Trans>Pending invitations</Trans>
              </h3>
              <ul className="mt-2 divide-y divide-slate-100 text-sm">
                {invitations.map((invitation) => (
                  <li
                    key={invitation.id}
                    className="flex items-center justify-between py-2"
                    data-testid="invitation"
                  >
                    <span>
                      {invitation.email} ·{" "}
                      <span data-server-text>{roleLabel(invitation.role)}</span>
                    </span>
                    <button
                      type="button"
                      onClick={() => withdraw(invitation)}
                      className="text-red-700 hover:underline"
                    >
                      <Trans>Withdraw</Trans>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
