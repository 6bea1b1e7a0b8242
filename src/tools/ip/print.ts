/**
 * iproute2's two-way printing (lib/json_print.c, lib/color.c): every field is printed once, either as
 * text (the format the caller gives) or, after `-json`, as a key and a value into a JSON writer — so
 * one print function gives both outputs, in the same order, and the JSON's keys appear exactly where
 * and when the text's words do. `-color` wraps some fields' text in ANSI colours.
 *
 * What is printed where follows json_print.h's output types: `any` is both (text when not JSON, the
 * key and value in JSON), `fp` text only, `j*` JSON only.
 */
import { JsonWriter } from './json-writer.js';

/** color.h's attributes; COLOR_NONE is no colour. */
export type ColorAttr = 'ifname' | 'mac' | 'inet' | 'inet6' | 'operstate-up' | 'operstate-down';

/**
 * The palette for a light background (attr_colors_light): the one used unless COLORFGBG says the
 * background is dark — never in a scenario, whose environment has no COLORFGBG.
 */
const LIGHT: Readonly<Record<ColorAttr, string>> = {
  ifname: '\x1b[36m',
  mac: '\x1b[33m',
  inet: '\x1b[35m',
  inet6: '\x1b[34m',
  'operstate-up': '\x1b[32m',
  'operstate-down': '\x1b[31m',
};
const CLEAR = '\x1b[0m';

export interface PrintOptions {
  readonly json: boolean;
  readonly pretty: boolean;
  /** check_enable_color's answer: -color=always without -json (a scenario's stdout is never a terminal). */
  readonly color: boolean;
  /** -oneline: print_nl's separator is '\'. */
  readonly oneline: boolean;
}

export class Printer {
  private jw: JsonWriter | undefined;

  constructor(
    private readonly opts: PrintOptions,
    /** Where the text goes, as it is printed: what was printed stays printed when the command fails later. */
    private readonly write: (s: string) => void,
  ) {}

  /** is_json_context. */
  get json(): boolean {
    return this.jw !== undefined;
  }

  /** _SL_: the line separator inside one record. */
  get sl(): string {
    return this.opts.oneline ? '\\' : '\n';
  }

  private flush(): void {
    if (this.jw) this.write(this.jw.take());
  }

  /** new_json_obj: with -json, a writer and the outer array. */
  newJsonObj(): void {
    if (!this.opts.json) return;
    this.jw = new JsonWriter(this.opts.pretty);
    this.jw.startArray();
    this.flush();
  }

  /** delete_json_obj: the outer array closed, and the last newline. */
  deleteJsonObj(): void {
    if (!this.jw) return;
    this.jw.endArray();
    this.jw.finish();
    this.flush();
    this.jw = undefined;
  }

  private colored(text: string, color: ColorAttr | undefined): string {
    return color !== undefined && this.opts.color ? `${LIGHT[color]}${text}${CLEAR}` : text;
  }

  /** PRINT_FP text. */
  fp(text: string, color?: ColorAttr): void {
    if (!this.jw) this.write(this.colored(text, color));
  }

  /** print_nl: _SL_ between the lines of one record, nothing in JSON. */
  nl(): void {
    this.fp(this.sl);
  }

  /** print_string(PRINT_ANY, ...): `text` is what the format printed. A null key is an array element. */
  str(key: string | null, text: string, value: string, color?: ColorAttr): void {
    if (this.jw) this.jstr(key, value);
    else this.write(this.colored(text, color));
  }

  /** print_int/print_uint/print_u64(PRINT_ANY, ...). */
  num(key: string | null, text: string, value: number): void {
    if (this.jw) this.jnum(key, value);
    else this.write(text);
  }

  /** print_bool/print_on_off(PRINT_ANY, ...). */
  bool(key: string, text: string, value: boolean): void {
    if (this.jw) this.jraw(key, value ? 'true' : 'false');
    else this.write(text);
  }

  /** print_null(PRINT_ANY, ...): a key with null in JSON. */
  null(key: string, text: string): void {
    if (this.jw) this.jraw(key, 'null');
    else this.write(text);
  }

  jstr(key: string | null, value: string): void {
    if (!this.jw) return;
    if (key !== null) this.jw.name(key);
    this.jw.string(value);
    this.flush();
  }

  jnum(key: string | null, value: number): void {
    this.jraw(key, String(value));
  }

  /** A JSON value printed as printf formatted it (a timer's "%i.%.2i", true, null). */
  jraw(key: string | null, text: string): void {
    if (!this.jw) return;
    if (key !== null) this.jw.name(key);
    this.jw.raw(text);
    this.flush();
  }

  /** open_json_object: a keyed object, or an array's element (key null). Nothing as text. */
  openObject(key: string | null = null): void {
    if (!this.jw) return;
    if (key !== null) this.jw.name(key);
    this.jw.startObject();
    this.flush();
  }

  closeObject(): void {
    if (!this.jw) return;
    this.jw.endObject();
    this.flush();
  }

  /**
   * open_json_array: in JSON a keyed array; as text (PRINT_ANY) the delimiter that opens it. PRINT_JSON
   * arrays print no text.
   */
  openArray(key: string, textDelim = ''): void {
    if (this.jw) {
      this.jw.name(key);
      this.jw.startArray();
      this.flush();
    } else this.write(textDelim);
  }

  closeArray(textDelim = ''): void {
    if (this.jw) {
      this.jw.endArray();
      this.flush();
    } else this.write(textDelim);
  }
}
