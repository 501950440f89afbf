/**
 * The S3 steps of every backend (SPEC 5), in STEP_ORDER: `connect`, `bucket`, on Ceph RGW
 * `policy` and `attach` (one mechanism: a bucket policy statement for the builder), `anonymous`,
 * on Ceph private caches `public-acls`,
 * `cache-info`, `expiry`. The plan merges them with the backend's admin steps (`user`, MinIO's
 * `policy` and `attach`) by STEP_ORDER.
 *
 *   const client = await connectionsFrom(answers, { caPem }, effects).s3ForSteps();   // connections/
 *   const steps = s3Steps({ answers, client, cacheInfoContent });
 */
import { STEP_ORDER, type ServerStep } from '../../steps/server-step';
import { publicAclsStep } from '../ceph/public-acls-step';
import { anonymousStep, cephAttachStep, cephPolicyStep, cephReaderPolicyStep } from './bucket-policy-step';
import { bucketStep } from './bucket-step';
import { cacheInfoStep } from './cache-info-step';
import { connectStep } from './connect-step';
import { expiryStep } from './expiry-step';
import type { S3StepContext } from './s3-step-context';

export type { S3StepContext } from './s3-step-context';

export function s3Steps(ctx: S3StepContext): ServerStep[] {
  const steps = [connectStep(ctx), bucketStep(ctx)];
  if (ctx.answers.backend === 'ceph') steps.push(cephPolicyStep(ctx), cephAttachStep(ctx));
  if (ctx.answers.backend === 'ceph' && ctx.answers.anonymous === 'none') steps.push(cephReaderPolicyStep(ctx), publicAclsStep(ctx));
  steps.push(anonymousStep(ctx), cacheInfoStep(ctx), expiryStep(ctx));
  return steps.sort((a, b) => STEP_ORDER.indexOf(a.id) - STEP_ORDER.indexOf(b.id));
}
