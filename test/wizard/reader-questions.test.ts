/**
 * The question table asks about the reader only for a private cache: its user and profile where
 * the wizard makes it (MinIO, Ceph), its keys where nothing else can make them (plain S3), and its
 * credentials file on every backend.
 */
import { describe, expect, it } from 'vitest';
import { QUESTIONS } from '../../source/wizard/questions';
import type { AnswersInput } from '../../source/answers/answers-schema';

const context = { aliases: {}, env: {} };
const readerQuestions = QUESTIONS.filter((q) => q.field.startsWith('reader.') || q.field === 'files.readerCredentials');
const asked = (input: AnswersInput) => readerQuestions.filter((q) => q.when?.(input, context) ?? true).map((q) => q.id);

describe('the reader questions', () => {
  it('ask for the keys on plain S3, where the reader keys are made elsewhere', () => {
    expect(asked({ backend: 's3', anonymous: 'none' })).toEqual(['s3-reader-access-key', 's3-reader-secret-key', 'reader-profile', 'reader-credentials-file']);
  });

  it('ask for the user, never a secret, where the wizard makes the reader itself', () => {
    for (const backend of ['minio', 'ceph'] as const) expect(asked({ backend, anonymous: 'none' })).toEqual(['reader-access-key', 'reader-profile', 'reader-credentials-file']);
  });

  it('ask nothing for a public cache', () => {
    for (const backend of ['minio', 'ceph', 's3'] as const) {
      for (const anonymous of ['get', 'download'] as const) expect(asked({ backend, anonymous })).toEqual([]);
    }
  });
});
