import { Trans } from "@lingui/react/macro";

export type Direction = "entry" | "exit";

// Entry or exit, for a check-in list that records exits (the scanner page and the door app).
export function DirectionChoice({
  value,
  onChange,
}: {
  value: Direction;
  onChange: (direction: Direction) => void;
}) {
  return (
    <fieldset className="flex gap-2">
      <legend className="sr-only">
        <Trans>Direction</Trans>
      </legend>
      {(["entry", "exit"] as const).map((direction) => (
        <label
          key={direction}
          className={`flex-1 cursor-pointer rounded-lg border px-3 py-2 text-center font-medium ${value === direction ? "border-indigo-600 bg-indigo-50" : "border-slate-300 bg-white"}`}
        >
          <input
            type="radio"
            name="direction"
            value={direction}
            checked={value === direction}
            onChange={() => onChange(direction)}
            className="sr-only"
          />
          {direction === "entry" ? <Trans>Entry</Trans> : <Trans>Exit</Trans>}
        </label>
      ))}
    </fieldset>
  );
}
