"""Text from users made safe once, at the boundary: nothing a renderer cannot set reaches one."""
from __future__ import annotations

import re
import unicodedata

from .errors import Problem, UserError, Word

# C0 and C1 controls but tab and newline, line and paragraph separators, the invisible bidirectional marks and
# overrides (which make two names look alike or print reversed), lone surrogates, non-characters.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                     "\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0010fffe\U0010ffff]")


def unsafe_characters(text: str) -> list[str]:
    """The characters clean_text would remove, as U+XXXX names for a message."""
    return [f"U+{ord(ch):04X}" for ch in dict.fromkeys(_UNSAFE.findall(text))]


def clean_text(text: str, *, single_line: bool = False) -> str:
    """NFC text without control characters, surrogates or non-characters; line and paragraph separators, vertical
    tabs and form feeds become newlines, kept unless single_line."""
    lines = re.sub("\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", "\n", text)
    cleaned = _UNSAFE.sub("", unicodedata.normalize("NFC", lines))
    return " ".join(cleaned.split()) if single_line else cleaned


def clean_name(text: str) -> str:
    """A name matched against other names (a column, an entity): unsafe characters dropped without a trace, so
    that 'Bei\u2028jing' and 'Beijing' are one name; white space folded."""
    return " ".join(_UNSAFE.sub("", unicodedata.normalize("NFC", text)).split())


# What pdfLaTeX with templates/preamble.tex sets beyond ASCII: every character GB2312 encodes (the glyphs of
# AR PL SungtiL GB, the CJKutf8 font, but for one it lacks) and these ranges: the characters inputenc defines
# for the T1, TS1, OT1 and OMS encodings and the font's glyphs outside GB2312. Anything else stops pdfLaTeX
# (emoji, Hangul, CJK Extension B) or prints blank.
_SETTABLE_RANGES = """
00A0-00A3 00A5-00A6 00A9-00AF 00B2-00D6 00D8-00DF 00E2-00E7 00EB 00EE-00F1 00F4-00F6 00F8 00FB 00FD-0100
0102-0112 0114-011A 011C-0125 0128-012A 012C-0137 0139-013E 0141-0148 014A-014C 014E-0165 0168-016A 016C-017E
0192 01C4-01CD 01CF 01D1 01D3 01E2-01E3 01E6-01EB 01F0 01F4-01F5 0218-021B 0232-0233 0237 0251 0261 02D8-02D9
02DB 02DD 0E3F 1E02-1E03 1E0D 1E1E-1E21 1E25 1E30-1E31 1E37 1E43 1E45 1E47 1E5B 1E63 1E6D 1E8E-1E91 1E9E
1EF2-1EF3 200C 2010-2014 201A 201E 2020-2022 2031 2039-203A 203D 2044 204E 2052 20A1 20A4 20A6 20A9 20AB-20AC
20B1 2117 211E 2120 2122 2126-2127 212E 2170-2179 2329-232A 2422-2423 25E6 25EF 266A 27E8-27E9 FB00-FB06 FE31
FE33-FE44 FEFF
"""
_SETTABLE = re.compile("[\t\n\x20-\x7e" + "".join(
    "-".join(f"\\u{part}" for part in item.split("-")) for item in _SETTABLE_RANGES.split()) + "]")
_NOT_IN_FONT = {"\u30fb"}


def _settable(ch: str) -> bool:
    if _SETTABLE.match(ch):
        return True
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return ch not in _NOT_IN_FONT


def unsettable_characters(text: str) -> list[str]:
    """The characters the LaTeX manuscript cannot print, each as 'X' (U+XXXX) for a message."""
    return [f"'{ch}' (U+{ord(ch):04X})" if ch.isprintable() else f"U+{ord(ch):04X}"
            for ch in dict.fromkeys(text) if not _settable(ch)]


def decode_text(data: bytes, what: str) -> str:
    """A text file as its author saved it: UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030; `what` names
    the file by its catalogue word, e.g. "study_file"."""
    encodings = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise UserError(Problem.of("not_a_text_file", what=Word(what)))
