/**
 * `public-acls` (Ceph RGW, private caches): the bucket's PublicAccessBlock says IgnorePublicAcls.
 *
 * RGW still honours object ACLs, and the builder owns what it uploads. The bucket policy denies it
 * every way of setting a public ACL that RGW checks, but RGW 16 does not check `x-amz-acl` when a
 * multipart upload starts (notes/ceph-rgw.md): a builder could still make an object of a private
 * cache readable by anyone. With IgnorePublicAcls, RGW ignores such grants whatever path set them.
 *
 * Measured on RGW 16.2.15: IgnorePublicAcls alone keeps uploads (plain and multipart) working and
 * makes public-read objects answer 403 to anonymous GETs, while an anonymous GetObject statement
 * of a bucket policy still answers 200 (so it would not close a public cache). BlockPublicAcls is
 * NOT usable there: with it, RGW refuses every PutObject and UploadPart, even without an ACL. The
 * other three settings are kept as they are.
 */
import { type CheckResult, type ServerStep, type StepRun } from '../../steps/server-step';
import { stepErrorFrom } from '../explain-connection-error';
import { getPublicAccessBlockXml, isS3ErrorCode, putPublicAccessBlockXml } from '../s3/s3-requests';
import { awsPrefix, type S3StepContext } from '../s3/s3-step-context';
import { child, parseXml } from '../s3/xml-elements';

const SETTINGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
type Settings = Record<(typeof SETTINGS)[number], boolean>;

/** The four settings of a PublicAccessBlock document (RGW names its root differently from AWS). */
export function parsePublicAccessBlock(xml: string | null): Settings {
  const root = xml === null ? undefined : parseXml(xml);
  const settings = {} as Settings;
  for (const name of SETTINGS) settings[name] = root !== undefined && child(root, name)?.text.trim().toLowerCase() === 'true';
  return settings;
}

function publicAccessBlockXml(settings: Settings): string {
  const body = SETTINGS.map((name) => `<${name}>${settings[name]}</${name}>`).join('');
  return `<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body}</PublicAccessBlockConfiguration>`;
}

export function publicAclsStep(ctx: S3StepContext): ServerStep {
  const { answers, client } = ctx;
  const bucket = answers.bucket;

  async function read(): Promise<{ exists: false } | { exists: true; settings: Settings }> {
    try {
      return { exists: true, settings: parsePublicAccessBlock(await getPublicAccessBlockXml(client, bucket)) };
    } catch (error) {
      if (isS3ErrorCode(error, 'NoSuchBucket')) return { exists: false };
      throw stepErrorFrom('public-acls', `Cannot read the public access block of bucket ${bucket}`, error);
    }
  }

  async function check(): Promise<CheckResult> {
    const current = await read();
    if (!current.exists) return { status: 'todo', detail: `bucket ${bucket} does not exist yet; IgnorePublicAcls will be set once it does` };
    if (current.settings.BlockPublicAcls) {
      return {
        status: 'conflict',
        detail: `the bucket's BlockPublicAcls is on: RGW 16 then refuses every upload, the builder's too. Turn it off (aws s3api put-public-access-block); this step sets IgnorePublicAcls, which keeps ACLs from opening objects`,
      };
    }
    if (current.settings.IgnorePublicAcls) return { status: 'done', detail: 'public ACLs are ignored in this bucket (IgnorePublicAcls)' };
    return { status: 'todo', detail: 'IgnorePublicAcls will be set: an object made public with an ACL stays unreadable without keys' };
  }

  return {
    id: 'public-acls',
    title: 'Ignore public ACLs in the bucket',
    why: 'RGW does not check x-amz-acl when a multipart upload starts, so the builder could make an object of this private cache public; with IgnorePublicAcls no ACL opens an object to anyone.',
    command: `${awsPrefix(answers)} s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration IgnorePublicAcls=true,BlockPublicAcls=false,BlockPublicPolicy=false,RestrictPublicBuckets=false  # keep the last two as get-public-access-block shows them`,
    // After the bucket policy's writers: RGW 16 has answered 500 to overlapping writes of one
    // bucket's settings (notes/ceph-rgw.md).
    after: ['bucket', 'anonymous'],
    check: (_run?: StepRun) => check(),
    async apply() {
      const current = await read();
      const settings = current.exists ? current.settings : parsePublicAccessBlock(null);
      try {
        await putPublicAccessBlockXml(client, bucket, publicAccessBlockXml({ ...settings, IgnorePublicAcls: true }));
      } catch (error) {
        throw stepErrorFrom('public-acls', `Cannot set IgnorePublicAcls on bucket ${bucket}`, error);
      }
      return 'public ACLs are now ignored in this bucket (IgnorePublicAcls)';
    },
  };
}
