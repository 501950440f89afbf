/**
 * The text of a question being typed, and where the cursor is: part of the wizard's state so that
 * going back shows an answer again and the plain prompts start from the same text. How keys edit
 * it is the views' business (components/text-field/edit-text.ts).
 */
export interface TextDraft {
  readonly text: string;
  /** 0..text.length: where the next character goes */
  readonly cursor: number;
}

export function textDraft(text: string): TextDraft {
  return { text, cursor: text.length };
}
