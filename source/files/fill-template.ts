/**
 * Fills `{{name}}` placeholders of a text template (templates/). A placeholder without a value,
 * or a value without a placeholder, is a programming error: it throws rather than leaving a
 * `{{…}}` in a generated file.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const filled = template.replace(/\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    used.add(name);
    return value;
  });
  for (const name of Object.keys(values)) {
    if (!used.has(name)) throw new Error(`template has no placeholder {{${name}}}`);
  }
  return filled;
}
