/**
 * Answers by field name (`'builder.accessKey'`, SPEC 2): how the question table, the defaults and
 * the remembered answers read and write one answer of the nested answers object.
 */
import type { AnswersInput } from './answers-schema';

/** The value of `field` in the answers (`'builder.accessKey'` → `input.builder?.accessKey`). */
export function getField(input: AnswersInput, field: string): unknown {
  const [top, sub] = field.split('.') as [string, string | undefined];
  const value = (input as Record<string, unknown>)[top];
  if (sub === undefined) return value;
  return value && typeof value === 'object' ? (value as Record<string, unknown>)[sub] : undefined;
}

/** A copy of the answers with `field` set; `undefined` removes it. Fields starting `@` are not answers. */
export function setField(input: AnswersInput, field: string, value: unknown): AnswersInput {
  if (field.startsWith('@')) return input;
  const [top, sub] = field.split('.') as [string, string | undefined];
  const copy: Record<string, unknown> = { ...input };
  if (sub === undefined) {
    if (value === undefined) delete copy[top];
    else copy[top] = value;
    return copy as AnswersInput;
  }
  const inner: Record<string, unknown> = { ...((copy[top] as Record<string, unknown> | undefined) ?? {}) };
  if (value === undefined) delete inner[sub];
  else inner[sub] = value;
  if (Object.keys(inner).length === 0) delete copy[top];
  else copy[top] = inner;
  return copy as AnswersInput;
}

/** Every field of the answers with its value, nested objects flattened (`key.name`). */
export function answerFields(input: AnswersInput): [string, unknown][] {
  const fields: [string, unknown][] = [];
  for (const [top, value] of Object.entries(input)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [sub, inner] of Object.entries(value as Record<string, unknown>)) if (inner !== undefined) fields.push([`${top}.${sub}`, inner]);
    } else if (value !== undefined) {
      fields.push([top, value]);
    }
  }
  return fields;
}

/** `base` with every field of `over` laid on top, nested objects merged field by field. */
export function mergeAnswers(base: AnswersInput, over: AnswersInput): AnswersInput {
  return answerFields(over).reduce((merged, [field, value]) => setField(merged, field, value), base);
}
