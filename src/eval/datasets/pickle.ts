/**
 * A small Python pickle reader for insightface verification sets ((bins, issame_list)
 * with JPEG bytes). Covers the opcodes that lists, tuples, bytes/str, bools, ints and
 * None use in protocols 0-5, including Python 2's str (BINSTRING) and Python 3's
 * protocol-2 bytes (_codecs.encode(latin1 text)). Anything else, numpy arrays
 * included, is refused with the opcode's name rather than guessed.
 */

export type PickleValue = null | boolean | number | bigint | string | Uint8Array | PickleValue[] | PickleTuple | PickleDict | PickleGlobal;
export class PickleTuple {
  constructor(readonly items: PickleValue[]) {}
}
export class PickleDict {
  readonly entries: [PickleValue, PickleValue][] = [];
}
export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
}

export class PickleError extends Error {}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

export function readPickle(buf: Uint8Array): PickleValue {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;

  const need = (n: number) => {
    if (pos + n > buf.length) throw new PickleError(`truncated pickle at byte ${pos}`);
  };
  const u8 = () => (need(1), buf[pos++]!);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError('length too large');
    return Number(v);
  };
  const bytes = (n: number) => (need(n), (pos += n), buf.subarray(pos - n, pos));
  const line = () => {
    const end = buf.indexOf(10, pos);
    if (end < 0) throw new PickleError(`unterminated text argument at byte ${pos}`);
    const s = latin1.decode(buf.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new PickleError(`stack underflow at byte ${pos}`);
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleError(`stack underflow at byte ${pos}`);
    return v;
  };
  const popMark = (): PickleValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw new PickleError(`no MARK on the stack at byte ${pos}`);
    const items = stack.splice(i) as PickleValue[];
    items.shift();
    return items;
  };
  const appendTo = (list: PickleValue, items: PickleValue[]) => {
    if (!Array.isArray(list)) throw new PickleError(`APPEND on a non-list at byte ${pos}`);
    for (const it of items) list.push(it);
  };
  const reduce = (fn: PickleValue, args: PickleValue): PickleValue => {
    // Python 3 pickles bytes for protocol < 3 as _codecs.encode(<latin1 str>, 'latin1').
    if (fn instanceof PickleGlobal && fn.module === '_codecs' && fn.name === 'encode' && args instanceof PickleTuple) {
      const [text, enc] = args.items;
      if (typeof text === 'string' && (enc === 'latin1' || enc === 'latin-1')) {
        return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
      }
    }
    if (fn instanceof PickleGlobal && (fn.module === '__builtin__' || fn.module === 'builtins') && fn.name === 'bytearray') {
      const a = args instanceof PickleTuple ? args.items[0] : undefined;
      if (a instanceof Uint8Array) return a;
      if (a === undefined) return new Uint8Array(0);
    }
    const what = fn instanceof PickleGlobal ? `${fn.module}.${fn.name}` : 'an object';
    throw new PickleError(`unsupported object ${what} (only lists, tuples, bytes, bools and ints are read)`);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME (data follows inline)
      case 0x2e: { // STOP
        const v = pop();
        return v;
      }
      case 0x28: stack.push(MARK); break; // MARK
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(new PickleTuple([])); break; // EMPTY_TUPLE
      case 0x7d: stack.push(new PickleDict()); break; // EMPTY_DICT
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x74: stack.push(new PickleTuple(popMark())); break; // TUPLE
      case 0x85: stack.push(new PickleTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PickleTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PickleTuple([a, b, c])); break; }
      case 0x61: { const v = pop(); appendTo(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendTo(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); const d = top(); if (!(d instanceof PickleDict)) throw new PickleError('SETITEM on a non-dict'); d.entries.push([k, v]); break; }
      case 0x75: { const items = popMark(); const d = top(); if (!(d instanceof PickleDict)) throw new PickleError('SETITEMS on a non-dict'); for (let i = 0; i + 1 < items.length; i += 2) d.entries.push([items[i]!, items[i + 1]!]); break; }
      case 0x54: stack.push(bytes(u32())); break; // BINSTRING (py2 str)
      case 0x55: stack.push(bytes(u8())); break; // SHORT_BINSTRING
      case 0x42: stack.push(bytes(u32())); break; // BINBYTES
      case 0x43: stack.push(bytes(u8())); break; // SHORT_BINBYTES
      case 0x8e: stack.push(bytes(u64())); break; // BINBYTES8
      case 0x96: stack.push(bytes(u64())); break; // BYTEARRAY8
      case 0x56: { // UNICODE (protocol 0, raw-unicode-escape text)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a: string, b: string) => String.fromCodePoint(parseInt(a ?? b, 16))));
        break;
      }
      case 0x58: stack.push(utf8.decode(bytes(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8.decode(bytes(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8.decode(bytes(u64()))); break; // BINUNICODE8
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4e: stack.push(null); break; // NONE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x49: { // INT (protocol 0/1; I01/I00 are True/False)
        const t = line();
        stack.push(t === '01' ? true : t === '00' ? false : Number(t));
        break;
      }
      case 0x8a: { // LONG1
        const n = u8();
        let v = 0n;
        const b = bytes(n);
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const k = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(k)) throw new PickleError(`memo key ${k} unknown at byte ${at}`);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x63: { const m = line(); const n = line(); stack.push(new PickleGlobal(m, n)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const n = pop();
        const m = pop();
        stack.push(new PickleGlobal(String(m), String(n)));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(reduce(fn, args)); break; } // REDUCE
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${at}`);
    }
  }
}
