/**
 * SPEC 5 `expiry` and notes/s3-policies-and-lifecycle.md: our lifecycle rules expire every
 * narinfo, never `nix-cache-info` nor `nar/`, NARs outlive narinfos, and foreign rules survive.
 */
import { describe, expect, it } from 'vitest';
import {
  CLIENT_NARINFO_TTL_DAYS,
  contradictingRules,
  NAR_MARGIN_DAYS,
  MAX_LIFECYCLE_RULES,
  mergeLifecycleRules,
  NAR_RULE_ID,
  describeNarinfoPrefixes,
  narinfoPrefixes,
  NIX_BASE32,
  parseLifecycleConfiguration,
  rulesFromMinioLifecycle,
  wantedLifecycleRules,
  type ExistingRule,
} from '../../../source/backends/s3/lifecycle-rules';

const prefixes = narinfoPrefixes();
const prefixSet = new Set(prefixes);

/** The rules a key falls under, by the S3 semantics: the rule's prefix is a prefix of the key. */
function matching(key: string, rules = wantedLifecycleRules(7)) {
  return rules.filter((rule) => key.startsWith(rule.prefix));
}

function randomHash(first = ''): string {
  let hash = first;
  while (hash.length < 32) hash += NIX_BASE32[Math.floor(Math.random() * 32)];
  return hash;
}

describe('the narinfo prefix set', () => {
  it('is said in one exact line for the manual command, not 187 words', () => {
    const said = describeNarinfoPrefixes();
    expect(said.length).toBeLessThan(220);
    // Read back as a person would: "stem+character but x, y" for each group
    const alphabet = /\(characters of (\w+)\)$/.exec(said)?.[1] ?? '';
    expect(alphabet).toBe(NIX_BASE32);
    const groups = said.replace(/^\d+ prefixes, each one /, '').replace(/ \(characters of \w+\)$/, '').split('; ');
    const readBack = groups.flatMap((group) => {
      const [, stem = '', skip = ''] = /^(?:a character|(\w+)\+character)(?: but (.*))?$/.exec(group) ?? [];
      const skipped = skip.split(', ');
      return [...alphabet].filter((c) => !skipped.includes(c)).map((c) => `${stem}${c}`);
    });
    expect(readBack).toEqual(prefixes);
    expect(said).toMatch(new RegExp(`^${prefixes.length} prefixes`));
  });

  it('never matches nix-cache-info', () => {
    for (const prefix of prefixes) expect('nix-cache-info'.startsWith(prefix), prefix).toBe(false);
    expect(matching('nix-cache-info')).toEqual([]);
  });

  it('never matches anything under nar/', () => {
    for (const prefix of prefixes) {
      expect('nar/'.startsWith(prefix), prefix).toBe(false);
      expect(prefix.startsWith('nar/'), prefix).toBe(false);
    }
    expect(matching('nar/1b8m9vqmpbl5n4kqjxzpnyl8a1yn3wxq3b9mkx7ddhhzrn4ds6pa.nar.xz').map((r) => r.id)).toEqual([NAR_RULE_ID]);
  });

  it('covers every possible first four characters of a narinfo hash exactly once', () => {
    // A prefix rule is at most 4 characters long, so the first 4 characters decide; all 32^4 of them are tried.
    let uncovered = 0;
    let overlapping = 0;
    for (const a of NIX_BASE32)
      for (const b of NIX_BASE32)
        for (const c of NIX_BASE32)
          for (const d of NIX_BASE32) {
            const start = a + b + c + d;
            let hits = 0;
            for (let length = 1; length <= 4; length++) if (prefixSet.has(start.slice(0, length))) hits++;
            if (hits === 0) uncovered++;
            if (hits > 1) overlapping++;
          }
    expect(uncovered).toBe(0);
    expect(overlapping).toBe(0);
  });

  it('covers narinfos whose hash starts like nix-cache-info or nar/', () => {
    for (const start of ['n', 'ni', 'nix', 'nix0', 'na', 'nar', 'narz', 'nixz', 'nn']) {
      const key = `${randomHash(start)}.narinfo`;
      expect(matching(key), key).toHaveLength(1);
      expect(matching(key)[0]!.id).not.toBe(NAR_RULE_ID);
    }
  });

  it('also expires logs, realisations, debug info and listings with the narinfos', () => {
    for (const key of ['log/abc-hello-2.12.drv', 'realisations/sha256:abc!out.doi', 'debuginfo/0123abcd', `${randomHash()}.ls`]) {
      expect(matching(key), key).toHaveLength(1);
      expect(matching(key)[0]!.days).toBe(7);
    }
  });

  it('has 187 prefixes over the nix base32 alphabet, none of them n, na, nar or nix', () => {
    expect(prefixes).toHaveLength(187);
    expect(prefixSet.size).toBe(187);
    for (const prefix of prefixes) expect([...prefix].every((c) => NIX_BASE32.includes(c)), prefix).toBe(true);
    for (const forbidden of ['n', 'na', 'nar', 'ni', 'nix']) expect(prefixSet.has(forbidden)).toBe(false);
  });
});

describe('our rules for expireDays', () => {
  it('expire narinfos after N days and nar/ more than a client trusts a narinfo (30 days) later', () => {
    const rules = wantedLifecycleRules(30);
    const nar = rules.find((rule) => rule.prefix === 'nar/')!;
    const narinfo = rules.filter((rule) => rule.prefix !== 'nar/');
    expect(nar.days).toBe(61);
    expect(nar.days - 30).toBeGreaterThan(CLIENT_NARINFO_TTL_DAYS);
    expect(narinfo.every((rule) => rule.days === 30 && nar.days > rule.days)).toBe(true);
    expect(rules).toHaveLength(188);
    expect(rules.length).toBeLessThanOrEqual(MAX_LIFECYCLE_RULES);
  });

  it('all have IDs starting nix-cache-wizard-, each unique', () => {
    const rules = wantedLifecycleRules(1);
    expect(rules.every((rule) => rule.id.startsWith('nix-cache-wizard-'))).toBe(true);
    expect(new Set(rules.map((rule) => rule.id)).size).toBe(rules.length);
  });

  it('are none for null', () => {
    expect(wantedLifecycleRules(null)).toEqual([]);
  });
});

const foreignA = '<Rule><ID>007</ID><Filter><Prefix>0</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>';
const foreignB =
  '<Rule>\n  <ID>tmp &amp; logs</ID>\n  <Filter><And><Prefix>tmp/</Prefix><Tag><Key>k</Key><Value>00</Value></Tag></And></Filter>\n  <Status>Disabled</Status>\n  <Expiration><Days>1</Days></Expiration>\n</Rule>';

function configuration(...rules: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules.join('')}</LifecycleConfiguration>`;
}

/** What RGW answers after storing `xml`: `Filter/Prefix` moved to a top-level `Prefix`. */
function asRgwEchoes(xml: string): string {
  return xml.replace(/<Filter><Prefix>([^<]*)<\/Prefix><\/Filter>/g, '<Prefix>$1</Prefix>');
}

describe('merging our rules with the bucket configuration', () => {
  it('adds our rules after the foreign ones, which are written back byte for byte and in order', () => {
    const existing = parseLifecycleConfiguration(configuration(foreignA, foreignB));
    const merge = mergeLifecycleRules(existing, 7);
    expect(merge.changed).toBe(true);
    expect(merge.foreignRuleCount).toBe(2);
    expect(merge.ruleCount).toBe(190);
    const xml = merge.xml!;
    expect(xml.indexOf(foreignA)).toBeGreaterThan(0);
    expect(xml.indexOf(foreignB)).toBeGreaterThan(xml.indexOf(foreignA));
    expect(xml.indexOf('nix-cache-wizard-')).toBeGreaterThan(xml.indexOf(foreignB));
    expect(parseLifecycleConfiguration(xml).map((r) => r.id).slice(0, 2)).toEqual(['007', 'tmp & logs']);
  });

  it('finds nothing to change when the server echoes our rules back reformatted', () => {
    const first = mergeLifecycleRules(parseLifecycleConfiguration(configuration(foreignA)), 7);
    const echoed = parseLifecycleConfiguration(asRgwEchoes(first.xml!));
    expect(echoed.every((rule) => rule.prefix !== undefined)).toBe(true);
    const again = mergeLifecycleRules(echoed, 7);
    expect(again.changed).toBe(false);
  });

  it('ignores empty parts a server adds when echoing our rules', () => {
    const first = mergeLifecycleRules([], 7).xml!;
    const padded = first.replace(/<\/Days><\/Expiration>/g, '</Days><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration><NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>');
    expect(padded).not.toBe(first);
    expect(mergeLifecycleRules(parseLifecycleConfiguration(padded), 7).changed).toBe(false);
    const tagged = first.replace('<Filter><Prefix>0</Prefix></Filter>', '<Filter><And><Prefix>0</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter>');
    expect(mergeLifecycleRules(parseLifecycleConfiguration(tagged), 7).changed).toBe(true);
  });

  it('replaces our rules when expireDays changes', () => {
    const first = mergeLifecycleRules([], 7);
    const second = mergeLifecycleRules(parseLifecycleConfiguration(first.xml!), 8);
    expect(second.changed).toBe(true);
    const rules = parseLifecycleConfiguration(second.xml!);
    expect(rules).toHaveLength(188);
    expect(rules.find((rule) => rule.prefix === 'nar/')!.expirationDays).toBe(8 + NAR_MARGIN_DAYS);
  });

  it('repairs one of our rules that was edited by hand', () => {
    const first = parseLifecycleConfiguration(mergeLifecycleRules([], 7).xml!);
    const edited = first.map((rule) => (rule.prefix === '0' ? { ...rule, expirationDays: 1 } : rule));
    expect(mergeLifecycleRules(edited, 7).changed).toBe(true);
    const disabled = first.map((rule) => (rule.prefix === 'z' ? { ...rule, enabled: false } : rule));
    expect(mergeLifecycleRules(disabled, 7).changed).toBe(true);
    expect(mergeLifecycleRules(first.slice(1), 7).changed).toBe(true);
  });

  it('removes only our rules for null, keeping the foreign ones', () => {
    const ours = mergeLifecycleRules(parseLifecycleConfiguration(configuration(foreignB)), 7).xml!;
    const merge = mergeLifecycleRules(parseLifecycleConfiguration(ours), null);
    expect(merge.changed).toBe(true);
    expect(merge.xml).toContain(foreignB);
    expect(parseLifecycleConfiguration(merge.xml!)).toHaveLength(1);
  });

  it('deletes the configuration for null when no foreign rule is left, and changes nothing when there was none', () => {
    const ours = mergeLifecycleRules([], 3).xml!;
    const merge = mergeLifecycleRules(parseLifecycleConfiguration(ours), null);
    expect(merge).toMatchObject({ changed: true, xml: null, ruleCount: 0 });
    expect(mergeLifecycleRules([], null).changed).toBe(false);
  });

  it('refuses to go over 1000 rules', () => {
    const many: ExistingRule[] = Array.from({ length: 900 }, (_, i) => ({
      id: `r${i}`,
      prefix: `p${i}/`,
      enabled: true,
      expirationDays: 1,
      hasOtherParts: false,
      raw: `<Rule><ID>r${i}</ID></Rule>`,
    }));
    expect(() => mergeLifecycleRules(many, 5)).toThrow(/over the limit of 1000/);
  });

  it('finds foreign rules that contradict a working cache, whatever expireDays', () => {
    const rules = parseLifecycleConfiguration(
      configuration(
        '<Rule><ID>everything</ID><Filter></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>',
        '<Rule><ID>n-things</ID><Prefix>n</Prefix><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>',
        '<Rule><ID>nars-soon</ID><Filter><Prefix>nar/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>',
        '<Rule><ID>nars-within-margin</ID><Filter><Prefix>nar/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>37</Days></Expiration></Rule>',
        '<Rule><ID>nars-late</ID><Filter><Prefix>nar/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>38</Days></Expiration></Rule>',
        '<Rule><ID>off</ID><Filter><Prefix></Prefix></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>',
        '<Rule><ID>tagged</ID><Filter><And><Prefix></Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>',
        foreignA,
      ),
    );
    const found = contradictingRules(rules, 7);
    expect(found.map((c) => c.rule.id)).toEqual(['everything', 'n-things', 'nars-soon', 'nars-within-margin']);
    expect(found[0]!.reason).toMatch(/^lifecycle rule "everything" \(not made by this wizard; expires every object after 30 days\): it deletes nix-cache-info.*, and it deletes NARs together with the narinfos/);
    expect(found[2]!.reason).toContain("deletes NARs after 2 days, sooner than 38 (the narinfos' 7 + 31)");
    // NARs must outlive the narinfos by the 30 days a client trusts a narinfo it saw (NAR_MARGIN_DAYS, 31)
    expect(found[3]!.reason).toContain("deletes NARs after 37 days, sooner than 38 (the narinfos' 7 + 31): a client trusts a narinfo it saw for 30 days");
    // a NAR rule that outlives the narinfos by the margin is fine; our own rules never contradict
    expect(contradictingRules(rules, 1).map((c) => c.rule.id)).toEqual(['everything', 'n-things', 'nars-soon']);
    expect(contradictingRules(rules, 6).map((c) => c.rule.id)).toEqual(['everything', 'n-things', 'nars-soon']);
    expect(contradictingRules(parseLifecycleConfiguration(mergeLifecycleRules([], 7).xml!), 7)).toEqual([]);
  });

  it('with expireDays null, finds every foreign rule that expires cache objects, and keeps the others', () => {
    const rules = parseLifecycleConfiguration(configuration(foreignA, '<Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>'));
    expect(contradictingRules(rules, null).map((c) => [c.rule.id, c.reason])).toEqual([
      ['007', 'lifecycle rule "007" (not made by this wizard; expires objects under "0" after 3 days): it deletes cache objects, and expireDays is null (nothing in the cache expires)'],
    ]);
    const merge = mergeLifecycleRules(rules, null);
    expect(merge).toMatchObject({ changed: true, foreignRuleCount: 1 });
    expect(merge.xml).toContain('<ID>tmp</ID>');
    expect(merge.xml).not.toContain('<ID>007</ID>');
  });

  it("replaces the guide's expire-everything rule by ours, and removes it for null", () => {
    // as the real MinIO stores `mc ilm rule add --expire-days 7`
    const guide = '<LifecycleConfiguration><Rule><ID>dc6prnpksdudnvp171p0</ID><Status>Enabled</Status><Filter><Prefix></Prefix></Filter><Expiration><Days>7</Days></Expiration></Rule></LifecycleConfiguration>';
    const merge = mergeLifecycleRules(parseLifecycleConfiguration(guide), 7);
    expect(merge).toMatchObject({ changed: true, foreignRuleCount: 0, ruleCount: 188 });
    expect(merge.replaced.map((r) => r.rule.id)).toEqual(['dc6prnpksdudnvp171p0']);
    expect(merge.xml).not.toContain('dc6prnpksdudnvp171p0');
    expect(mergeLifecycleRules(parseLifecycleConfiguration(merge.xml!), 7)).toMatchObject({ changed: false, replaced: [] });
    expect(mergeLifecycleRules(parseLifecycleConfiguration(guide), null)).toMatchObject({ changed: true, xml: null });
  });
});

describe("reading minio v8's getBucketLifecycle result", () => {
  it('takes a single Rule given as an object, with Filter.Prefix echoed as a top-level Prefix and parsed as a number', () => {
    const rules = rulesFromMinioLifecycle({ Rule: { ID: 'nix-cache-wizard-narinfo-0', Prefix: 0, Status: 'Enabled', Expiration: { Days: 7 } } });
    expect(rules).toEqual([{ id: 'nix-cache-wizard-narinfo-0', prefix: '0', enabled: true, expirationDays: 7, hasOtherParts: false, raw: undefined }]);
  });

  it('takes a Rule array with Filter.Prefix, and null for no configuration', () => {
    const rules = rulesFromMinioLifecycle({
      Rule: [
        { ID: 'a', Filter: { Prefix: 'nar/' }, Status: 'Enabled', Expiration: { Days: 8 } },
        { ID: 'b', Filter: { Prefix: 'x', Tag: { Key: 'k', Value: 'v' } }, Status: 'Disabled' },
      ],
    });
    expect(rules.map((r) => [r.id, r.prefix, r.enabled, r.expirationDays, r.hasOtherParts])).toEqual([
      ['a', 'nar/', true, 8, false],
      ['b', 'x', false, undefined, true],
    ]);
    expect(rulesFromMinioLifecycle(null)).toEqual([]);
  });

  it('cannot be merged back, since foreign rules lost their XML', () => {
    expect(() => mergeLifecycleRules(rulesFromMinioLifecycle({ Rule: { ID: 'foreign', Prefix: 'x', Status: 'Enabled' } }), 1)).toThrow(/without its XML/);
  });
});
