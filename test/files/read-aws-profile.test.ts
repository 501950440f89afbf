/** A re-run reuses the builder secret the AWS profile holds (SPEC 5 `user`). */
import { describe, expect, it } from 'vitest';
import { readAwsProfile, readProfileAccessKeys } from '../../source/files/read-aws-profile';

describe('reading the builder profile back', () => {
  it('finds the keys of the named profile among others, with CRLF and comments', () => {
    const text = '# mine\r\n[default]\r\naws_access_key_id = A\r\n\r\n[nixbuilder]\r\naws_access_key_id=nixbuilder\r\naws_secret_access_key =  S3cret-x\r\n';
    expect(readAwsProfile(text, 'nixbuilder')).toEqual({ accessKeyId: 'nixbuilder', secretAccessKey: 'S3cret-x' });
  });

  it('says there is no such profile', () => {
    expect(readAwsProfile('[default]\naws_access_key_id = A\n', 'nixbuilder')).toBeUndefined();
  });

  it('reports a profile without a secret as such', () => {
    expect(readAwsProfile('[nixbuilder]\naws_access_key_id = nb\n', 'nixbuilder')).toEqual({ accessKeyId: 'nb', secretAccessKey: undefined });
  });

  it('lists the profiles that hold keys, with their access key IDs and never a secret', () => {
    const text = '[default]\naws_access_key_id = A\naws_secret_access_key = s1\n[half]\naws_access_key_id = B\n[nixbuilder]\naws_access_key_id = nixbuilder\naws_secret_access_key = s2\n';
    expect(readProfileAccessKeys(text)).toEqual({ default: 'A', nixbuilder: 'nixbuilder' });
  });

  it('reads a CR-only file line by line, as botocore does (it was one line, every profile lost)', () => {
    const text = '[default]\raws_access_key_id = A\r[nixbuilder]\raws_access_key_id = nb\raws_secret_access_key = S3cret-x\r';
    expect(readAwsProfile(text, 'nixbuilder')).toEqual({ accessKeyId: 'nb', secretAccessKey: 'S3cret-x' });
    expect(readProfileAccessKeys(text)).toEqual({ nixbuilder: 'nb' });
  });

  it('finds nothing in a file botocore refuses (the writer refuses it, naming the line)', () => {
    expect(readAwsProfile('[nixbuilder]\naws_access_key_id = nb\ns3 =\n  not a setting\n', 'nixbuilder')).toBeUndefined();
  });
});
