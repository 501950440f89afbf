/** Complete `Answers` for the S3 step tests, every default applied, overridable per test. */
import type { Answers } from '../../../source/answers/answers';
import { exampleAnswers } from '../../files/example-answers';

export type AnswersOverrides = Partial<Omit<Answers, 'admin' | 'builder' | 'cacheInfo'>> & {
  readonly admin?: Partial<Answers['admin']>;
  readonly builder?: Partial<Answers['builder']>;
};

export function makeAnswers(overrides: AnswersOverrides = {}): Answers {
  const { admin, builder, ...rest } = overrides;
  const base = exampleAnswers({
    endpoint: 'http://127.0.0.1:9000',
    key: { name: '127.0.0.1-1', secretFile: '~/.config/nix/secret.key', publicFile: '~/.config/nix/public.key', trusted: [] },
    ...rest,
  });
  return {
    ...base,
    admin: { accessKey: 'admin-access', secretKey: 'admin-secret-value', mcAlias: undefined, ...admin },
    builder: { accessKey: 'nixbuilder', secretKey: 'builder-secret-value', profile: 'nixbuilder', ...builder },
  };
}
