/**
 * The two text formats of a Java Kafka client's configuration: a `.properties` file and the
 * value of `sasl.jaas.config`. Only what client.properties files use in practice is supported;
 * anything these parsers do not understand is an error, never a silent guess.
 */

/**
 * Parses Java `.properties` text (java.util.Properties#load): `key=value`, `key: value` or
 * `key value`; `#` and `!` comments; a trailing backslash continues the line; `\t \n \r \f \\ \uXXXX`
 * escapes. A key given twice keeps the last value, like Java.
 */
export function parseJavaProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // An odd number of trailing backslashes joins the next line (its leading blanks dropped).
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] ?? '').replace(/^[ \t\f]+/, '');
    }
    let k = 0;
    let key = '';
    for (; k < line.length; k++) {
      const c = line[k] as string;
      if (c === '\\' && k + 1 < line.length) {
        key += line.slice(k, k + 2);
        k++;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
    }
    let rest = line.slice(k).replace(/^[ \t\f]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t\f]*/, '');
    out.set(unescape(key), unescape(rest));
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}

/** A parsed `sasl.jaas.config`: `<LoginModule class> required key="value" ...;`. */
export interface JaasConfig {
  loginModule: string;
  options: Map<string, string>;
}

/** Parses one JAAS login module entry; throws with the reason when it is not one. */
export function parseJaasConfig(value: string): JaasConfig {
  const s = value.trim();
  const head = /^([A-Za-z_$][\w$.]*)\s+(required|requisite|sufficient|optional)\b/.exec(s);
  if (!head) throw new Error('expected "<LoginModule class> required key=\\"value\\" ...;"');
  const options = new Map<string, string>();
  let i = (head[0] ?? '').length;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i] as string)) i++;
  };
  for (;;) {
    ws();
    if (s[i] === ';') {
      i++;
      ws();
      if (i !== s.length) throw new Error('only one login module entry is supported');
      break;
    }
    if (i >= s.length) throw new Error('missing ";" at the end');
    const keyMatch = /^[\w.-]+/.exec(s.slice(i));
    if (!keyMatch) throw new Error(`unexpected "${s.slice(i, i + 10)}"`);
    const key = keyMatch[0];
    i += key.length;
    ws();
    if (s[i] !== '=') throw new Error(`expected "=" after ${key}`);
    i++;
    ws();
    let v = '';
    if (s[i] === '"') {
      i++;
      for (; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i];
      }
      if (s[i] !== '"') throw new Error(`unterminated quoted value of ${key}`);
      i++;
    } else {
      const m = /^[^\s;]*/.exec(s.slice(i));
      v = m?.[0] ?? '';
      i += v.length;
    }
    options.set(key, v);
  }
  return { loginModule: head[1] as string, options };
}
