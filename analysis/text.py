"""Text from users made safe once, at the boundary: nothing a renderer cannot set reaches one."""
from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls but tab and newline, line and paragraph separators, lone surrogates, non-characters.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                     "\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0010fffe\U0010ffff]")


def unsafe_characters(text: str) -> list[str]:
    """The characters clean_text would remove, as U+XXXX names for a message."""
    return [f"U+{ord(ch):04X}" for ch in dict.fromkeys(_UNSAFE.findall(text))]


def clean_text(text: str, *, single_line: bool = False) -> str:
    """NFC text without control characters, separators, surrogates or non-characters; newlines kept unless single_line."""
    cleaned = _UNSAFE.sub("", unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")))
    return " ".join(cleaned.split()) if single_line else cleaned
