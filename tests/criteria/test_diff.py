"""`ntm set diff` covers every field that changes a verdict or what a reader is told: which
special communes use another region's thresholds, commune groups, units, comparators, and
each threshold's evidence level and quote."""

from ntm_lib.criteria.catalogue import load_set
from ntm_lib.criteria.diff import diff

HEAD = """id: {id}
title: {{vi: "Bộ thử", en: "Test"}}
level: advanced
period: {{start: 2021, end: 2025}}
parent: hd-2022-advanced
legal_basis: {{number: "99/QĐ-UBND", date: 2026-01-02, issuer: {{vi: "T", en: "T"}}}}
defaults: {{source: {{document: "99/QĐ-UBND"}}}}
"""


def overlay(tmp_path, body: str, set_id: str = "xx-diff"):
    (tmp_path / f"{set_id}.yaml").write_text(HEAD.format(id=set_id) + body, encoding="utf-8")
    return load_set(str(tmp_path / f"{set_id}.yaml"))


def test_a_region_override_change_is_a_difference(tmp_path):
    """Special communes held to another region's thresholds: 0 differences before the fix."""
    b = overlay(
        tmp_path,
        """region_override:
  region: tdmnpb
  rules:
    - categories: [dbkk]
      evidence: {kind: working}
""",
    )
    rows = diff(load_set("hd-2022-advanced"), b)
    assert "region_override" in set(rows["field"])
    # an ATK commune of the delta used the northern thresholds; it no longer does, and the
    # electricity thresholds differ by region from 2024 (an especially difficult one now does)
    atk = rows[(rows["indicator"] == "4.1") & (rows["region"] == "dbsh (atk)")]
    assert set(atk["year"]) == {"2024", "2025"}
    dbkk = rows[(rows["indicator"] == "4.1") & (rows["region"] == "dbsh (dbkk)")]
    assert set(dbkk["year"]) == {"2024", "2025"} and set(dbkk["field"]) >= {"value"}
    assert not rows[rows["region"] == "dbsh"].size  # plain communes unchanged


def test_units_comparators_levels_and_quotes(tmp_path):
    b = overlay(
        tmp_path,
        """overrides:
  - code: "17.4"
    rule: {op: ">=", threshold: 50}
    evidence:
      kind: official
      document: "99/QĐ-UBND"
      quote: "Tỷ lệ hộ phân loại chất thải rắn tại nguồn đạt từ 50% trở lên"
  - code: "11.1"
    rule: {op: "<", threshold: 2}
    evidence: {kind: working}
  - code: "13.1"
    unit: count
""",
    )
    rows = diff(load_set("hd-2022-advanced"), b)
    waste = rows[rows["indicator"] == "17.4"]
    assert {"evidence", "quote", "document"} <= set(waste["field"])
    assert "value" not in set(waste["field"])  # the value is the same: the trail changed
    level = waste[waste["field"] == "evidence"].iloc[0]
    assert (level["a"], level["b"]) == ("secondary", "official")
    op = rows[(rows["indicator"] == "11.1") & (rows["field"] == "op")]
    assert (op.iloc[0]["a"], op.iloc[0]["b"]) == ("≤", "<")  # as a person writes a rule
    assert "unit" in set(rows.loc[rows["indicator"] == "13.1", "field"])


def test_a_set_with_groups_is_compared_by_group(tmp_path):
    base = load_set("vn-2026-ntm")
    text = tmp_path / "x.yaml"
    body = """id: xx-groups
title: {vi: "Bộ thử", en: "Test"}
level: basic
period: {start: 2026, end: 2030}
parent: vn-2026-ntm
legal_basis: {number: "9/QĐ-T", date: 2026-03-01, issuer: {vi: "T", en: "T"}}
defaults: {source: {document: "9/QĐ-T"}}
overrides:
  - code: "8.1"
    rule:
      op: ">="
      thresholds: [{group: 1, value: null}, {group: 2, value: 80}, {group: 3, value: null}]
    evidence: {kind: working}
"""
    text.with_name("xx-groups.yaml").write_text(body, encoding="utf-8")
    rows = diff(base, load_set(str(tmp_path / "xx-groups.yaml")))
    values = rows[(rows["indicator"] == "8.1") & (rows["field"] == "value")]
    assert set(values["group"]) == {"2"} and set(values["b"]) == {"80"}
    # every region, every year of group 2: one row
    assert values[["region", "year"]].values.tolist() == [["*", "*"]]


def test_an_identical_set_has_no_difference():
    assert diff(load_set("hd-2022-model"), load_set("hd-2022-model")).empty
