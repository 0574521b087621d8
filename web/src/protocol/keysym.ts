// KeyboardEvent → X11 keysym. Keys are sent as the symbol the host's layout produced (so the
// guest types the same character whatever its own layout), plus KeyboardEvent.code as a hint.
//
// * A single printable character: Latin-1 code points (0x20–0x7e, 0xa0–0xff) are their own
//   keysym; any other code point c is 0x01000000 + c (the X11 Unicode keysym range).
// * Named keys (KeyboardEvent.key values): the table below. Left/right variants of modifiers are
//   told apart by KeyboardEvent.code.
// * Anything else (dead keys, "Unidentified", IME "Process", control characters) has no keysym.

export const XK = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  Clear: 0xff0b,
  Return: 0xff0d,
  Pause: 0xff13,
  Scroll_Lock: 0xff14,
  Escape: 0xff1b,
  Home: 0xff50,
  Left: 0xff51,
  Up: 0xff52,
  Right: 0xff53,
  Down: 0xff54,
  Page_Up: 0xff55,
  Page_Down: 0xff56,
  End: 0xff57,
  Print: 0xff61,
  Insert: 0xff63,
  Menu: 0xff67,
  Num_Lock: 0xff7f,
  F1: 0xffbe,
  F12: 0xffc9,
  F24: 0xffd5,
  Shift_L: 0xffe1,
  Shift_R: 0xffe2,
  Control_L: 0xffe3,
  Control_R: 0xffe4,
  Caps_Lock: 0xffe5,
  Alt_L: 0xffe9,
  Alt_R: 0xffea,
  Super_L: 0xffeb,
  Super_R: 0xffec,
  ISO_Level3_Shift: 0xfe03,
  Delete: 0xffff,
} as const;

const NAMED: Record<string, number> = {
  Enter: XK.Return,
  Tab: XK.Tab,
  Escape: XK.Escape,
  Esc: XK.Escape,
  Backspace: XK.BackSpace,
  Delete: XK.Delete,
  Del: XK.Delete,
  ArrowLeft: XK.Left,
  ArrowUp: XK.Up,
  ArrowRight: XK.Right,
  ArrowDown: XK.Down,
  Left: XK.Left,
  Up: XK.Up,
  Right: XK.Right,
  Down: XK.Down,
  Home: XK.Home,
  End: XK.End,
  PageUp: XK.Page_Up,
  PageDown: XK.Page_Down,
  Insert: XK.Insert,
  CapsLock: XK.Caps_Lock,
  NumLock: XK.Num_Lock,
  ScrollLock: XK.Scroll_Lock,
  ContextMenu: XK.Menu,
  Apps: XK.Menu,
  PrintScreen: XK.Print,
  Print: XK.Print,
  Pause: XK.Pause,
  Clear: XK.Clear,
  AltGraph: XK.ISO_Level3_Shift,
};

// Modifiers whose keysym depends on which side of the keyboard the key is on.
const SIDED: Record<string, [left: number, right: number]> = {
  Shift: [XK.Shift_L, XK.Shift_R],
  Control: [XK.Control_L, XK.Control_R],
  Alt: [XK.Alt_L, XK.Alt_R],
  Meta: [XK.Super_L, XK.Super_R],
  OS: [XK.Super_L, XK.Super_R],   // older Firefox
  Super: [XK.Super_L, XK.Super_R],
  Hyper: [XK.Super_L, XK.Super_R],
};

// The keysym of one Unicode code point, or null for control characters.
export function keysymFromCodePoint(cp: number): number | null {
  if (!Number.isInteger(cp) || cp < 0x20 || cp > 0x10ffff) return null;
  if (cp >= 0x7f && cp < 0xa0) return null;          // DEL and the C1 controls
  if (cp <= 0xff) return cp;                          // Latin-1: the keysym is the code point
  if (cp >= 0xd800 && cp <= 0xdfff) return null;      // lone surrogates
  return 0x01000000 + cp;
}

// The keysym for a KeyboardEvent's key (and code, for the side of a modifier), or null when the
// event carries no key to send.
export function keysymFromKey(key: string, code = ''): number | null {
  if (!key) return null;
  const chars = Array.from(key);
  if (chars.length === 1) return keysymFromCodePoint(chars[0].codePointAt(0)!);

  const sided = SIDED[key];
  if (sided) return code.endsWith('Right') ? sided[1] : sided[0];

  const named = NAMED[key];
  if (named !== undefined) return named;

  const f = /^F([1-9]|1[0-9]|2[0-4])$/.exec(key);
  if (f) return XK.F1 + Number(f[1]) - 1;

  return null;
}
