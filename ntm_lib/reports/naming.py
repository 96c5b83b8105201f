"""File names a person can find, and no input can abuse: a commune's code and its name,
transliterated ('10912_duc-chinh-2025').

The code part keeps letters, digits and '-' only, at most MAX_ID characters, with a short
hash of the code whenever it had to change: two codes never give the same part, and no code
escapes its folder ('../../x', 'a#b?c'). The name part (accent-free, lower case, letters,
digits and '-', at most MAX_NAME characters) follows after '_', which the code part never
holds: a name can never make one commune's file another's.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from ..intake.values import fold

UNSAFE_ID = re.compile(r"[^A-Za-z0-9-]")
MAX_ID = 40
MAX_NAME = 30
MAX_BOTH = 60  # the code and the name together: a file name stays under 80 characters


def ascii_letters(text: str) -> str:
    """`text` without accents ('Đức Chính' -> 'Duc Chinh'), other letters dropped later."""
    bare = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in bare if not unicodedata.combining(ch))


def id_part(commune_id: str) -> str:
    cid = str(commune_id)
    base = UNSAFE_ID.sub("-", ascii_letters(cid))[:MAX_ID]
    if base != cid:
        base = f"{base}-{hashlib.sha256(cid.encode()).hexdigest()[:10]}"
    return base


def name_part(name: str | None) -> str:
    """'Đức Chính' -> 'duc-chinh'; '' for no name (or one with no letter or digit)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(ascii_letters(name or ""))).strip("-")
    return slug[:MAX_NAME].strip("-")


@lru_cache(maxsize=1 << 16)  # asked several times per page by an update of thousands
def file_stem(commune_id: str, year: int, name: str | None = None) -> str:
    """A commune's file name without its extension: '10912_duc-chinh-2025', or
    '10912-2025' without a name. The name gets what room a long code leaves (MAX_BOTH)."""
    code = id_part(commune_id)
    named = name_part(name)[: max(MAX_BOTH - len(code) - 1, 0)].strip("-")
    return f"{code}{'_' + named if named else ''}-{year}"
