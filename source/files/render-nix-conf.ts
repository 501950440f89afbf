import template from '../../templates/nix-conf.conf.tmpl?raw';
import { UsageError } from '../errors';
import { commentText } from './comment-text';
import { fillTemplate } from './fill-template';

export interface NixConfInput {
  readonly substituters: readonly string[];
  readonly publicKeys: readonly string[];
  /** a private CA the endpoint's certificate is signed by */
  readonly caFile?: string | undefined;
}

// nix.conf has no quoting: values are split on white space and `#` starts a comment anywhere
// on a line, so a value holding either cannot be written at all.
function checkConfValue(value: string, what: string): string {
  const bad = /[\s#]/.exec(value);
  if (value === '' || bad) {
    throw new UsageError(
      `The ${what} ${JSON.stringify(value)} cannot be written to nix.conf: ${bad ? `it contains ${JSON.stringify(bad[0])}` : 'it is empty'}.`,
    );
  }
  return value;
}

/** The nix.conf snippet of SPEC 4.4: the same two settings as the NixOS module. */
export function renderNixConf(input: NixConfInput): string {
  return fillTemplate(template, {
    substituters: input.substituters.map((s) => checkConfValue(s, 'substituter')).join(' '),
    publicKeys: input.publicKeys.map((k) => checkConfValue(k, 'public key')).join(' '),
    // nix.conf's `ssl-cert-file` replaces the whole CA bundle rather than adding one, so the CA is
    // left to the system's trust store and only pointed out here.
    caNote:
      input.caFile === undefined
        ? ''
        : `# The endpoint's certificate is signed by the private CA in ${commentText(input.caFile)}:\n# add it to the system's CA bundle (e.g. update-ca-certificates) so Nix trusts it.\n`,
  });
}
