import { Schema } from "effect";
import { DateTime, Items, OneOf, Text4k, optional, requiredWhen, whenEquals } from "./fields.ts";

export const Ask = Schema.Struct({
  question: Text4k,
  context: optional(Text4k),
  responseFormat: optional(OneOf("text", "choice")),
  choices: optional(Items(Text4k, 1, 10)),
  deadline: optional(DateTime),
})
  .pipe(
    Schema.filter(
      (p) => {
        if (p.responseFormat === "choice" && p.choices === undefined)
          return requiredWhen("choices", 'responseFormat is "choice"');
        if (p.responseFormat === "text" && p.choices !== undefined)
          return { path: ["choices"], message: 'is not allowed when responseFormat is "text"' };
        return true;
      },
      {
        jsonSchema: {
          allOf: [
            { if: whenEquals("responseFormat", "choice"), then: { required: ["choices"] } },
            { if: whenEquals("responseFormat", "text"), then: { not: { required: ["choices"] } } },
          ],
        },
      },
    ),
  )
  .annotations({
    identifier: "AskPayload",
    title: "ask",
    description:
      'Ask a free-form or multiple-choice question. choices (1 to 10) are required when responseFormat is "choice" and not allowed when it is "text"; without responseFormat, choices make it a multiple-choice question. Answered by ask_response.',
  });

export const AskResponse = Schema.Struct({
  answer: Text4k,
  choiceIndex: optional(Schema.NonNegativeInt),
}).annotations({
  identifier: "AskResponsePayload",
  title: "ask_response",
  description: "Answer an ask; choiceIndex (from 0) must index the asked choices. Carries the ask's correlationId.",
});
