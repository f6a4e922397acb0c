import type { Answer } from "../types";

// A buyer's answers to the checkout questions, as the order keeps them.
export default function Answers({ answers, title }: { answers: Answer[]; title?: string }) {
  if (answers.length === 0) return null;
  return (
    <div data-testid="answers">
      {title ? <h3 className="mt-3 text-sm font-semibold">{title}</h3> : null}
      {/* The questions as the organizer wrote them, the answers as the buyer gave them (a
          checkbox's and a country's in the server's words): none is the page's own text. */}
      <dl className="mt-1 space-y-1 text-sm" data-server-text>
        {answers.map((answer) => (
          <div key={answer.question} className="flex flex-wrap gap-x-2">
            <dt className="text-slate-500">{answer.label}:</dt>
            <dd className="whitespace-pre-line text-slate-900" data-testid="answer">
              {answer.text}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
