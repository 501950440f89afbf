import { writePolicyDocument } from '../policies/write-policy';

/** The builder's write policy as a reference file (SPEC 4.5): no `Id`, no `Principal`. */
export function renderWritePolicy(bucket: string): string {
  return JSON.stringify(writePolicyDocument(bucket), null, 2) + '\n';
}
