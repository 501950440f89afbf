/**
 * Does a secret work for a user? The `user` step must not reset an existing user's secret, so it
 * can only call the user done when the secret it knows is the one the server holds (SPEC 5).
 * One cheap signed request by the builder answers that: GET `/<bucket>?location`. The signature
 * is checked before any permission, so AccessDenied (no policy yet) or NoSuchBucket (bucket not
 * made yet) prove the secret right just as a 200 does; SignatureDoesNotMatch or
 * InvalidAccessKeyId prove it wrong. Nothing changes on the server.
 */
import { StepError } from '../../errors';
import { type AccessKeys, type EndpointOptions, parseServerError, sendSignedRequest } from '../signed-request';

export type KeysCheck = { readonly works: true; readonly detail: string } | { readonly works: false; readonly detail: string };

export type CheckBuilderKeys = (keys: AccessKeys, bucket: string) => Promise<KeysCheck>;

/** Error codes that prove a secret (or its access key) wrong: the server checked the signature first. */
export const SECRET_WRONG: ReadonlySet<string> = new Set(['SignatureDoesNotMatch', 'InvalidAccessKeyId', 'InvalidClientTokenId', 'XMinioInvalidAccessKeyId']);
const SECRET_RIGHT = new Set(['AccessDenied', 'NoSuchBucket', 'AllAccessDisabled']);

export function builderKeysChecker(options: EndpointOptions): CheckBuilderKeys {
  return async (keys, bucket) => {
    const response = await sendSignedRequest(options, keys, { method: 'GET', path: `/${encodeURIComponent(bucket)}?location`, keysProbe: true });
    if (response.status === 200) return { works: true, detail: 'the server accepted a request signed with it' };
    const error = parseServerError(response.body);
    if (error.code !== undefined && SECRET_RIGHT.has(error.code)) {
      return { works: true, detail: `the server checked its signature and then answered ${error.code}` };
    }
    if (error.code !== undefined && SECRET_WRONG.has(error.code)) {
      return { works: false, detail: `the server refused it (${error.code})` };
    }
    throw new StepError(
      `Could not tell whether the builder secret works: ${options.endpoint} answered HTTP ${response.status}${error.code === undefined ? '' : ` (${error.code})`}.`,
      'user',
    );
  };
}
