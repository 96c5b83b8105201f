"""User-facing messages in Vietnamese and English, from one catalogue (locale/messages.yaml)."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources

from . import yaml_text

LANGUAGES = ("vi", "en")
DEFAULT_LANG = "vi"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("ntm_lib").joinpath("locale/messages.yaml").read_text(encoding="utf-8")
    return yaml_text.load(text)


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


@lru_cache(maxsize=1)
def cli_texts() -> dict:
    """The `ntm` command's help texts (locale/cli_help.yaml)."""
    text = resources.files("ntm_lib").joinpath("locale/cli_help.yaml").read_text(encoding="utf-8")
    return yaml_text.load(text)


def cli_help(command: str, dest: str, lang: str) -> str:
    """The help of option `dest` of `command` ("set export"): its own text, else the option's.
    A missing text is a KeyError: every option is described in both languages."""
    texts = cli_texts()
    entry = texts["per_command"].get(f"{command} {dest}".strip()) or texts["options"][dest]
    return entry[lang]


def cli_command_help(command: str, lang: str) -> str:
    return cli_texts()["commands"][command][lang]


def argparse_catalogue(lang: str) -> bytes:
    """argparse's own words in `lang` as a gettext catalogue (.mo), from cli_help.yaml: the
    committed locale/<lang>/LC_MESSAGES/ntm.mo is this (`make locale` rewrites it)."""
    import datetime as dt
    import io

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    fixed = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)  # the same bytes at every build
    catalog = Catalog(
        locale=lang, domain="ntm", project="ntm-assess", creation_date=fixed, revision_date=fixed
    )
    for msgid, texts in cli_texts()["argparse"].items():
        if texts.get(lang):
            catalog.add(msgid, texts[lang])
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()
