/**
 * `expiry` (SPEC 5): our lifecycle rules for `expireDays`, merged with the bucket's other rules
 * (lifecycle-rules.ts explains the prefix set).
 */
import { replaceDetail, type ServerStep, type StepRun } from '../../steps/server-step';
import {
  NAR_MARGIN_DAYS,
  isOurRule,
  mergeLifecycleRules,
  describeNarinfoPrefixes,
  parseLifecycleConfiguration,
  RULE_ID_PREFIX,
  TooManyLifecycleRulesError,
  wantedLifecycleRules,
  type ExistingRule,
  type LifecycleMerge,
} from './lifecycle-rules';
import { stepErrorFrom } from '../explain-connection-error';
import { isS3ErrorCode } from './s3-requests';
import { mergingStep, type Inspection } from './merging-step';
import { awsPrefix, documentsOf, mcPrefix, mcTarget, type S3StepContext } from './s3-step-context';
import { XmlSyntaxError } from './xml-elements';

function describe(expireDays: number | null): string {
  return expireDays === null
    ? 'no expiry rules of ours'
    : `narinfos, logs and realisations expire after ${expireDays} day${expireDays === 1 ? '' : 's'}, nar/ after ${expireDays + NAR_MARGIN_DAYS} (${NAR_MARGIN_DAYS} days later: clients trust a narinfo they saw for 30 days), nix-cache-info never`;
}

function manualCommand(ctx: S3StepContext): string {
  const { answers } = ctx;
  const rules = wantedLifecycleRules(answers.expireDays);
  const example = rules.length > 0 ? JSON.stringify({ ID: rules[0]!.id, Status: 'Enabled', Filter: { Prefix: rules[0]!.prefix }, Expiration: { Days: rules[0]!.days } }) : '';
  const edit =
    answers.expireDays === null
      ? `# in lifecycle.json, remove every rule whose ID starts with ${RULE_ID_PREFIX}`
      : `# in lifecycle.json, keep the other rules and put ${rules.length} rules with IDs starting ${RULE_ID_PREFIX}, one per prefix, like\n#   ${example}\n# for the ${describeNarinfoPrefixes()}\n# (Days ${answers.expireDays}), and nar/ with Days ${answers.expireDays + NAR_MARGIN_DAYS}. Never an empty prefix: it would delete nix-cache-info.`;
  if (answers.backend === 'minio') {
    const mc = mcPrefix(answers);
    return `${mc} ilm export ${mcTarget(answers)} > lifecycle.json\n${edit}\n${mc} ilm import ${mcTarget(answers)} < lifecycle.json`;
  }
  const aws = awsPrefix(answers);
  return `${aws} s3api get-bucket-lifecycle-configuration --bucket ${answers.bucket} > lifecycle.json\n${edit}\n${aws} s3api put-bucket-lifecycle-configuration --bucket ${answers.bucket} --lifecycle-configuration file://lifecycle.json`;
}

export function expiryStep(ctx: S3StepContext): ServerStep {
  const { answers } = ctx;
  const bucket = answers.bucket;

  async function inspect(run: StepRun): Promise<Inspection<LifecycleMerge>> {
    let rules: ExistingRule[];
    let xml: string | null;
    try {
      xml = await documentsOf(ctx, run).lifecycle();
      rules = xml === null ? [] : parseLifecycleConfiguration(xml);
    } catch (error) {
      if (isS3ErrorCode(error, 'NoSuchBucket')) {
        return answers.expireDays === null
          ? // Still true once the run has made the bucket: this line is shown on the end screen too.
            { status: 'done', detail: `no expiry asked for, and bucket ${bucket} is made without lifecycle rules` }
          : { status: 'todo', detail: `bucket ${bucket} does not exist yet; then: ${describe(answers.expireDays)}` };
      }
      if (error instanceof XmlSyntaxError) return { status: 'conflict', detail: `the lifecycle configuration of ${bucket} is not readable XML (${error.message})` };
      throw stepErrorFrom('expiry', `Cannot read the lifecycle configuration of bucket ${bucket}`, error);
    }
    let merge: LifecycleMerge;
    try {
      merge = mergeLifecycleRules(rules, answers.expireDays);
    } catch (error) {
      if (error instanceof TooManyLifecycleRulesError) return { status: 'conflict', detail: `${error.message}; remove some of them` };
      throw error;
    }
    if (!merge.changed) return { status: 'done', detail: `the lifecycle configuration holds ${describe(answers.expireDays)}` };
    const kept = merge.foreignRuleCount > 0 ? ` (keeping ${merge.foreignRuleCount} other rule${merge.foreignRuleCount === 1 ? '' : 's'})` : '';
    // Expiry that is there now and is not asked for any more is taken away: said as a removal.
    const ours = rules.filter(isOurRule);
    const removes = answers.expireDays === null && ours.length > 0 ? `the expiry rules set before (${ours.length} rules, deleting uploads after ${Math.min(...ours.map((r) => r.expirationDays ?? Infinity))} days)` : undefined;
    if (merge.replaced.length > 0 && xml !== null) {
      const then = merge.xml === null ? 'no rule is left, so the lifecycle configuration is removed' : `the rules will be: ${describe(answers.expireDays)}${kept}`;
      return {
        status: 'todo',
        detail: replaceDetail(`${merge.replaced.map((r) => r.reason).join('; ')}. ${merge.replaced.length === 1 ? 'It is' : 'They are'} removed and ${then}; the whole current configuration is saved to a local backup file first`),
        change: merge,
        previous: xml,
        ...(removes ? { removes } : {}),
      };
    }
    return { status: 'todo', detail: `the lifecycle rules will be set: ${describe(answers.expireDays)}${kept}`, change: merge, ...(removes ? { removes } : {}) };
  }

  return mergingStep<LifecycleMerge>({
    id: 'expiry',
    title: answers.expireDays === null ? 'No expiry' : `Expire after ${answers.expireDays} day${answers.expireDays === 1 ? '' : 's'}`,
    why:
      answers.expireDays === null
        ? 'Nothing in the cache expires; rules this wizard set before are removed, and so are rules of others that expire cache objects (saved to a backup first); other rules stay.'
        : `Old store paths are deleted by the server to bound the cache size; NARs outlive their narinfos by ${NAR_MARGIN_DAYS} days, longer than a client trusts a narinfo it has seen (30 days), so no client is left with a narinfo whose NAR is gone. Age alone decides: a dependency uploaded long ago goes while a newer path still refers to it; \`prune\` is the closure-safe alternative (no expiry, prune run from the admin machine).`,
    command: manualCommand(ctx),
    bucket,
    document: `the lifecycle configuration of ${bucket}`,
    after: ['bucket'],
    backupName: `${bucket}.lifecycle.xml`,
    saveBackup: ctx.saveBackup,
    inspect,
    async write(merge, run) {
      try {
        await documentsOf(ctx, run).putLifecycle(merge.xml);
      } catch (error) {
        throw stepErrorFrom('expiry', `Cannot write the lifecycle configuration of bucket ${bucket}`, error);
      }
      return merge.xml === null ? `removed the lifecycle configuration of ${bucket} (no rule left)` : `set ${describe(answers.expireDays)} (${merge.ruleCount} rules in all)`;
    },
  });
}
