"""The message catalogue: every key in both languages, every key the code uses present."""

import re
import string
from pathlib import Path

from ntm_lib.i18n import catalogue

ROOT = Path(__file__).parents[1] / "ntm_lib"


def test_every_message_has_vietnamese_and_english_with_the_same_fields():
    for key, entry in catalogue().items():
        assert set(entry) == {"vi", "en"}, key
        assert entry["vi"].strip() and entry["en"].strip(), key
        fields = [
            {f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f}
            for lang in ("vi", "en")
        ]
        assert fields[0] == fields[1], key


def test_every_key_used_in_the_code_exists():
    used = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\(\s*"([a-z_]+)"\s*[,)]', text))
        used |= set(re.findall(r'\.problem\(\s*"([a-z_]+)"', text))
        used |= set(re.findall(r'Problem\([^,()]+,\s*"([a-z_]+)"', text))
        used |= set(re.findall(r'\b_?problems_for\([^,]+,[^,]+,\s*"([a-z_]+)"', text))
    for path in ROOT.rglob("*.j2"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+)["']""", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in catalogue())
    assert not missing, missing
    assert len(used) > 100  # the patterns do find the keys


def test_keys_built_from_codes_exist():
    from ntm_lib.assess.scoring import STATUS
    from ntm_lib.intake.plans import SOURCES

    keys = [f"status_{s}" for s in STATUS] + [f"source_{s}" for s in SOURCES]
    keys += [f"role_{r}" for r in ("data", "communes", "set", "plan", "budget")]
    keys += [f"severity_{s}" for s in ("error", "warning")]
    keys += [f"level_{lvl}" for lvl in ("basic", "advanced", "model", "modern")]
    keys += [
        f"projection_{n}"
        for n in (
            "met",
            "wrong_direction",
            "flat",
            "too_few_years",
            "beyond_horizon",
            "yes_no",
            "no_threshold",
            "missing",
        )
    ]
    assert [k for k in keys if k not in catalogue()] == []
