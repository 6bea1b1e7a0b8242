/**
 * The streaming JSON writer iproute2 prints `-json` with (lib/json_writer.c), byte for byte: no
 * whitespace, or with `-pretty` four spaces per level — and its own habits, which scripts comparing
 * output see: "[ " after an array's bracket, " ]" before its end when it is not empty, "},{" between
 * objects, a newline after the last value only.
 *
 *   [ {
 *           "ifindex": 1,
 *           "flags": [ "LOOPBACK","UP","LOWER_UP" ],
 *           "addr_info": [ ]
 *       } ]
 */
export class JsonWriter {
  private out = '';
  private depth = 0;
  /** What goes before the next value: ',' once the current object or array has one. */
  private sep = '';

  constructor(private readonly pretty: boolean) {}

  /** The text written so far, handed over (the writer keeps writing from empty). */
  take(): string {
    const s = this.out;
    this.out = '';
    return s;
  }

  private eol(): void {
    if (this.pretty) this.out += `\n${'    '.repeat(this.depth)}`;
  }

  /** jsonw_eor: a comma before every value but the first of its container. */
  private eor(): void {
    this.out += this.sep;
    this.sep = ',';
  }

  private begin(c: string): void {
    this.eor();
    this.out += c;
    this.depth++;
    this.sep = '';
  }

  private end(c: string): void {
    this.depth--;
    if (this.sep !== '') this.eol();
    this.out += c;
    this.sep = ',';
  }

  name(key: string): void {
    this.eor();
    this.eol();
    this.sep = '';
    this.out += `${quote(key)}:${this.pretty ? ' ' : ''}`;
  }

  startObject(): void {
    this.begin('{');
  }

  endObject(): void {
    this.end('}');
  }

  startArray(): void {
    this.begin('[');
    if (this.pretty) this.out += ' ';
  }

  endArray(): void {
    if (this.pretty && this.sep !== '') this.out += ' ';
    this.sep = '';
    this.end(']');
  }

  string(value: string): void {
    this.eor();
    this.out += quote(value);
  }

  /** A number, true/false or null as printf wrote it (jsonw_printf): the caller formats it. */
  raw(text: string): void {
    this.eor();
    this.out += text;
  }

  /** jsonw_destroy: the last newline. */
  finish(): void {
    this.out += '\n';
  }
}

/** jsonw_puts: C escapes only — no \u escapes, no Unicode handling. */
function quote(s: string): string {
  let q = '"';
  for (const c of s) {
    if (c === '\t') q += '\\t';
    else if (c === '\n') q += '\\n';
    else if (c === '\r') q += '\\r';
    else if (c === '\f') q += '\\f';
    else if (c === '\b') q += '\\b';
    else if (c === '\\') q += '\\\\';
    else if (c === '"') q += '\\"';
    else q += c;
  }
  return `${q}"`;
}
