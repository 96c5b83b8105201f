"""The size limit every input file is held to (NTM_MAX_INPUT_MB), read without numpy or
pandas: `ntm` checks the setting before any command starts."""

from __future__ import annotations

import math
import os

DEFAULT_MAX_MB = 100


class SettingError(ValueError):
    """An environment setting holds a value ntm cannot use."""


def max_bytes() -> int:
    """The largest input file read, from NTM_MAX_INPUT_MB (SettingError if malformed)."""
    raw = os.environ.get("NTM_MAX_INPUT_MB", "")
    if not raw.strip():
        return DEFAULT_MAX_MB * 1024 * 1024
    text = raw.strip()
    if text.count(",") == 1 and "." not in text:  # 0,5 as Vietnamese writes a half
        text = text.replace(",", ".")
    try:
        mb = float(text)
    except ValueError:
        mb = float("nan")
    if not math.isfinite(mb) or mb <= 0:
        raise SettingError(raw)
    return int(mb * 1024 * 1024)
