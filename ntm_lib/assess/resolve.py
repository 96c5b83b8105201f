"""A commune as a person names it: its code, or its name typed with or without accents
("Yết Kiêu", "yet kieu", "xã Yết Kiêu"). Pure: the register in, commune codes out; a name
that fits several communes is refused with the list of them, never guessed."""

from __future__ import annotations

import difflib
import unicodedata

import pandas as pd

from ..errors import NoDataError, UsageError
from ..i18n import t
from ..intake.values import fold

PREFIXES = ("xã ", "xa ", "commune ")


def _bare(text: str) -> str:
    """Case-free, NFC, single-spaced, without a leading 'xã'."""
    text = " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())
    for prefix in PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def _label(row) -> str:
    area = row.get("district") or row.get("province") or ""
    return f"{row['name']} ({row['commune_id']}{', ' + area if area else ''})"


def resolve_commune(register: pd.DataFrame, text: str, lang: str | None = None) -> str:
    """The code of the commune `text` names: a code as it is; else the one commune whose name
    is `text` (accents and case as typed, then ignoring accents). UsageError listing the
    communes when several match; NoDataError, with the nearest names, when none does."""
    reg = register.assign(name=register["name"].astype(str))
    text = str(text).strip()
    if text in set(reg["commune_id"]):
        return text
    for key in (_bare, lambda x: fold(_bare(x))):
        wanted = key(text)
        found = reg[reg["name"].map(key) == wanted]
        if len(found) == 1:
            return found["commune_id"].iloc[0]
        if len(found) > 1:
            matches = "; ".join(_label(r) for r in found.to_dict("records"))
            raise UsageError(t("commune_ambiguous", lang, text=text, matches=matches))
    folded = {fold(_bare(n)): n for n in reg["name"]}
    near = difflib.get_close_matches(fold(_bare(text)), list(folded), n=3, cutoff=0.75)
    hint = t("commune_did_you_mean", lang, names=", ".join(folded[n] for n in near)) if near else ""
    raise NoDataError(t("commune_not_found", lang, text=text, hint=hint))


def resolve_communes(
    register: pd.DataFrame, texts: list[str], lang: str | None = None
) -> list[str]:
    """`resolve_commune` for each of `texts`, in order, each once."""
    return list(dict.fromkeys(resolve_commune(register, x, lang) for x in texts))


def communes_named(register_path: str, texts: list[str] | None) -> list[str] | None:
    """The codes of the communes `texts` name (codes or names), read against the register
    file; `texts` as given when the register itself has errors (the command reports them)."""
    if not texts:
        return texts
    from ..intake.inputs import read_register

    register, problems = read_register(register_path)
    if any(p.severity == "error" for p in problems):
        return texts
    return resolve_communes(register, texts)
