"""User-facing messages in Vietnamese and English, from one catalogue (locale/messages.yaml)."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources

import yaml

LANGUAGES = ("vi", "en")
DEFAULT_LANG = "vi"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("ntm_lib").joinpath("locale/messages.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def current_lang() -> str:
    lang = os.environ.get("NTM_LANG", DEFAULT_LANG)
    return lang if lang in LANGUAGES else DEFAULT_LANG


def t(key: str, lang: str | None = None, /, **params) -> str:
    """The message `key` in `lang` (default: $NTM_LANG, else Vietnamese), formatted with params."""
    entry = catalogue()[key]
    return entry[lang or current_lang()].format(**params)


def pick(text: dict[str, str] | None, lang: str | None = None) -> str:
    """One language out of a {vi:..., en:...} mapping, falling back to Vietnamese."""
    if not text:
        return ""
    return text.get(lang or current_lang()) or text.get(DEFAULT_LANG, "")
