import { useLingui } from "@lingui/react/macro";
import { TextField } from "./fields";

// The password and, with two-factor authentication, a code: confirming it is you,
// turning two-factor authentication off.
export default function PasswordAndCode({
  password,
  code,
  errors,
  withCode,
  onPassword,
  onCode,
}: {
  password: string;
  code: string;
  errors: Partial<Record<"password" | "code", string>>;
  withCode: boolean;
  onPassword: (value: string) => void;
  onCode: (value: string) => void;
}) {
  const { t } = useLingui();
  return (
    <>
      <TextField
        label={t`Password`}
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => onPassword(e.target.value)}
        error={errors.password}
        required
      />
      {withCode ? <CodeField value={code} onChange={onCode} error={errors.code} /> : null}
    </>
  );
}

// A six-digit code from an authenticator app, or (unless ``label`` says otherwise) a
// recovery code.
export function CodeField({
  value,
  onChange,
  error,
  label,
  hint,
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string;
  label?: string;
  hint?: string;
}) {
  const { t } = useLingui();
  return (
    <TextField
      label={label ?? t`Code`}
      name="code"
      autoComplete="one-time-code"
      hint={hint ?? t`From your authenticator app, or a recovery code.`}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
      maxLength={32}
      required
    />
  );
}
