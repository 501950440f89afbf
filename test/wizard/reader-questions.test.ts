/** The question table asks for the reader's keys exactly when nothing else can make them: a private cache on plain S3. */
import { describe, expect, it } from 'vitest';
import { QUESTIONS } from '../../source/wizard/questions';

const context = { aliases: {}, env: {} };
const readerQuestions = QUESTIONS.filter((q) => q.field.startsWith('reader.'));

describe('the reader questions', () => {
  it('apply to a private cache on plain S3, where the reader keys are made elsewhere', () => {
    expect(readerQuestions.map((q) => q.field)).toEqual(['reader.accessKey', 'reader.secretKey']);
    for (const question of readerQuestions) expect(question.when?.({ backend: 's3', anonymous: 'none' }, context)).toBe(true);
  });

  it('do not apply where the wizard makes the reader itself, or to a public cache', () => {
    for (const question of readerQuestions) {
      expect(question.when?.({ backend: 'minio', anonymous: 'none' }, context)).toBe(false);
      expect(question.when?.({ backend: 'ceph', anonymous: 'none' }, context)).toBe(false);
      expect(question.when?.({ backend: 's3', anonymous: 'get' }, context)).toBe(false);
    }
  });
});
