import template from '../../templates/nix-conf.conf.tmpl?raw';
import { UsageError } from '../errors';
import { quoteForShell } from '../text/quote-for-shell';
import { commentLine, commentText } from './comment-text';
import { fillTemplate } from './fill-template';

export interface NixConfInput {
  readonly substituters: readonly string[];
  readonly publicKeys: readonly string[];
  /** a private CA the endpoint's certificate is signed by: its file name, for the instructions */
  readonly caFile?: string | undefined;
  /** seconds for `connect-timeout`; null or absent leaves Nix's default */
  readonly connectTimeout?: number | null | undefined;
  /** private cache: where the nix-daemon reads the reader's credentials */
  readonly readerCredentialsPath?: string | undefined;
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

/**
 * How to trust a private CA on a machine without NixOS. nix.conf's `ssl-cert-file` replaces the
 * whole CA bundle rather than adding one, so the CA goes into the system's trust store, which
 * Nix reads (/etc/ssl/certs/ca-certificates.crt, or NIX_SSL_CERT_FILE).
 */
export function systemTrustStoreSteps(caFileName: string): string[] {
  const name = quoteForShell(caFileName);
  return [
    `Debian/Ubuntu: sudo cp ${name} /usr/local/share/ca-certificates/nix-cache-ca.crt && sudo update-ca-certificates`,
    `Fedora/RHEL:   sudo cp ${name} /etc/pki/ca-trust/source/anchors/nix-cache-ca.pem && sudo update-ca-trust`,
    `Arch:          sudo trust anchor --store ${name}`,
    `macOS:         sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${name}`,
  ];
}

/** The daemon's environment on a machine without NixOS, for a private cache. */
export function daemonCredentialsSteps(credentialsPath: string): string[] {
  // `tee` without -a writes the drop-in whole, so pasting it twice leaves one copy.
  return [
    `Linux (systemd): sudo mkdir -p /etc/systemd/system/nix-daemon.service.d && printf '%s\\n' '[Service]' ${quoteForShell(`Environment=AWS_SHARED_CREDENTIALS_FILE=${credentialsPath}`)} | sudo tee /etc/systemd/system/nix-daemon.service.d/nix-cache.conf > /dev/null && sudo systemctl daemon-reload`,
    `macOS: sudo /usr/libexec/PlistBuddy -c ${quoteForShell(`Add :EnvironmentVariables:AWS_SHARED_CREDENTIALS_FILE string ${credentialsPath}`)} /Library/LaunchDaemons/org.nixos.nix-daemon.plist`,
  ];
}

/** The nix.conf snippet of SPEC 4.4: the same settings as the NixOS module. */
export function renderNixConf(input: NixConfInput): string {
  const credentials = input.readerCredentialsPath;
  return fillTemplate(template, {
    substituters: input.substituters.map((s) => checkConfValue(s, 'substituter')).join(' '),
    publicKeys: input.publicKeys.map((k) => checkConfValue(k, 'public key')).join(' '),
    caNote:
      input.caFile === undefined
        ? ''
        : [
            `# The endpoint's certificate is signed by a private CA (${commentText(input.caFile)}): add it to the`,
            '# system trust store, which Nix reads (ssl-cert-file would replace the whole bundle):',
            ...systemTrustStoreSteps(input.caFile).map((line) => commentLine(`  ${line}`)),
            '',
          ].join('\n'),
    privateNote:
      credentials === undefined
        ? ''
        : [
            '# This cache is private: the nix-daemon (root) reads it with the reader\'s keys. Install the',
            commentLine(`reader credentials file root-only: sudo install -D -m 0600 -o root nix-cache-reader.credentials ${quoteForShell(credentials)}`),
            '# and give the daemon its path, then restart it:',
            ...daemonCredentialsSteps(credentials).map((line) => commentLine(`  ${line}`)),
            '',
          ].join('\n'),
    connectTimeout:
      input.connectTimeout === null || input.connectTimeout === undefined
        ? '# connect-timeout is left at Nix\'s default (none: a cache that is down can stall a build for minutes)'
        : `# give up on a cache that does not answer within ${input.connectTimeout} s (Nix's default is none)\nconnect-timeout = ${input.connectTimeout}`,
  });
}
