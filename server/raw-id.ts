/**
 * The `id` of a JSON-RPC request exactly as its sender wrote it. JSON.parse
 * turns 12345678901234567890 into 12345678901234567000, so an answer built
 * from the parsed value would carry another id (JSON-RPC 2.0 and fine print
 * 10.24: ids are echoed as sent). The dispatcher asks for the raw text only
 * when a parsed id is a number that is not a safe integer, so the common
 * case pays nothing.
 */

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

class Scanner {
  i = 0;
  constructor(private readonly s: string) {}

  private space(): void {
    while (this.i < this.s.length && isSpace(this.s.charCodeAt(this.i))) this.i++;
  }

  private peek(): string {
    this.space();
    return this.s[this.i] ?? "";
  }

  /** Skip one JSON value (the text is known to parse). */
  private skipValue(): void {
    this.space();
    const c = this.s[this.i];
    if (c === '"') return this.skipString();
    if (c === "{" || c === "[") {
      let depth = 0;
      while (this.i < this.s.length) {
        const d = this.s[this.i]!;
        if (d === '"') {
          this.skipString();
          continue;
        }
        if (d === "{" || d === "[") depth++;
        else if (d === "}" || d === "]") {
          depth--;
          if (depth === 0) {
            this.i++;
            return;
          }
        }
        this.i++;
      }
      return;
    }
    while (this.i < this.s.length && !",]} \t\r\n".includes(this.s[this.i]!)) this.i++;
  }

  private skipString(): void {
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === "\\") this.i += 2;
      else if (c === '"') {
        this.i++;
        return;
      } else this.i++;
    }
  }

  /** The raw text of member `id` of the object starting here (the last one, as JSON.parse keeps), then past it. */
  objectId(): string | undefined {
    if (this.peek() !== "{") {
      this.skipValue();
      return undefined;
    }
    this.i++;
    let found: string | undefined;
    for (;;) {
      if (this.peek() === "}") {
        this.i++;
        return found;
      }
      const keyStart = this.i;
      this.skipString();
      const key = JSON.parse(this.s.slice(keyStart, this.i)) as string;
      this.peek(); // ':'
      this.i++;
      this.space();
      const start = this.i;
      this.skipValue();
      if (key === "id") found = this.s.slice(start, this.i);
      if (this.peek() === ",") this.i++;
    }
  }

  /** Raw ids of the elements of the array starting here. */
  arrayIds(): Array<string | undefined> {
    const ids: Array<string | undefined> = [];
    this.peek();
    this.i++;
    for (;;) {
      if (this.peek() === "]") return ids;
      ids.push(this.objectId());
      if (this.peek() === ",") this.i++;
    }
  }
}

/** For text that JSON.parse accepted: the raw id of a request object, or of each element of a batch. */
export const rawIdsOf = (text: string): string | undefined | Array<string | undefined> => {
  const scanner = new Scanner(text);
  const first = text.trimStart()[0];
  return first === "[" ? scanner.arrayIds() : scanner.objectId();
};

/** Whether a parsed id needs its raw text to be echoed exactly. */
export const lossyId = (id: unknown): boolean => typeof id === "number" && !Number.isSafeInteger(id);
