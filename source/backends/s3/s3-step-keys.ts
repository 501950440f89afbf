import type { Answers } from '../../answers/answers';

/** Which keys sign the S3 steps' requests: the admin's, except on `s3`, which has only the builder's. */
export function s3StepKeys(answers: Pick<Answers, 'backend' | 'admin' | 'builder'>): { readonly accessKey: string; readonly secretKey: string; readonly who: 'admin' | 'builder' } {
  if (answers.backend === 's3') {
    return { accessKey: answers.builder.accessKey, secretKey: answers.builder.secretKey ?? '', who: 'builder' };
  }
  return { accessKey: answers.admin.accessKey ?? '', secretKey: answers.admin.secretKey ?? '', who: 'admin' };
}
