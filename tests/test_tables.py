"""The fast CSV writer gives exactly the bytes of pandas' `to_csv` of the spreadsheet-safe
frame, whatever the table holds: it formats each distinct run of columns once, and must never
drift from what pandas would write."""

import numpy as np
import pandas as pd
import pytest

from ntm_lib import tables
from ntm_lib.tables import spreadsheet_safe, write_csv


def _pandas_bytes(frame: pd.DataFrame) -> bytes:
    return (
        b"\xef\xbb\xbf" + spreadsheet_safe(frame).to_csv(index=False, lineterminator="\n").encode()
    )


def test_a_csv_file_opens_in_excel_with_its_vietnamese_and_reads_back_clean(tmp_path):
    frame = pd.DataFrame({"commune_name": ["Đức Chính", "Tuệ Tĩnh"], "n": [1, 2]})
    write_csv(frame, tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel: UTF-8
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "x.csv"), frame)


def _tables() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n = 6_000
    code = rng.integers(0, 40, n)
    words = np.array(
        ["met", "not_met", "", "=1+1", "-3", "@x", "a,b", 'say "hi"', "Đạt", " lead", "\ttab"],
        dtype=object,
    )
    floats = np.array([0.0, -0.0, 1.5, np.nan, 1e-05, 123456789.125, -2.0, 1 / 3])
    return {
        "mixed": pd.DataFrame(
            {
                "commune": pd.Categorical([f"x{c}" for c in code]),
                "year": 2020 + code % 5,
                "word": words[code % len(words)],
                "word_cat": pd.Categorical(words[(code + 3) % len(words)]),
                "value": floats[rng.integers(0, len(floats), n)],
                "flag": code % 2 == 0,
                "count": pd.array(np.where(code % 7 == 0, None, code), dtype="Int64"),
                "ref": [f"file.csv:{i}" for i in range(n)],
            }
        ),
        "a cell with a line break": pd.DataFrame(
            {"a": code % 3, "w": np.where(code == 5, "two\nlines", words[code % len(words)])}
        ),
        "free text with commas": pd.DataFrame({"a": code, "ref": [f"f,{i}" for i in range(n)]}),
        "free text that is a formula": pd.DataFrame(
            {"a": code, "ref": [f"={i}" if i == 4_000 else f"r{i}" for i in range(n)]}
        ),
        "free text with a line break": pd.DataFrame(
            {"a": code, "ref": [f"r{i}" if i != 77 else "r\n77" for i in range(n)]}
        ),
        "free text with a gap": pd.DataFrame(
            {"a": code, "ref": [None if i == 5 else f"r{i}" for i in range(n)]}
        ),
        "objects of mixed types": pd.DataFrame(
            {"a": code, "o": np.array([True, 1, 1.0, "1", None] * (n // 5), dtype=object)}
        ),
        "objects that cannot be hashed": pd.DataFrame(
            {"a": [1, 2, 3], "o": pd.Series([[1, 2], "=x", None], dtype=object)}
        ),
        "one column of blanks": pd.DataFrame({"a": ["", "x", ""] * 3}),
        "lone blanks in two columns": pd.DataFrame({"a": ["", "", "x"], "b": ["", "y", ""]}),
        "empty": pd.DataFrame({"a": [], "b": []}),
        "categorical with gaps": pd.DataFrame(
            {"a": pd.Categorical(["p", None, "=q"] * 10), "b": range(30)}
        ),
    }


@pytest.mark.parametrize("name", list(_tables()))
def test_the_fast_writer_writes_what_pandas_would(tmp_path, name, monkeypatch):
    frame = _tables()[name]
    monkeypatch.setattr(tables, "CSV_CHUNK", 1_000)  # several chunks
    write_csv(frame, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_bytes() == _pandas_bytes(frame)


def test_the_fast_path_is_taken_for_a_large_result_table():
    """The equality above would hold trivially if every table fell back to pandas."""
    frame = _tables()["mixed"]
    pieces = tables._csv_pieces(frame)
    assert pieces is not None
    assert len(pieces) < len(frame.columns)  # adjacent columns share runs
    assert tables._csv_pieces(_tables()["free text with a line break"]) is None
    assert tables._csv_pieces(_tables()["a cell with a line break"]) is None
    assert tables._csv_pieces(_tables()["objects of mixed types"]) is None


def _by_commune(n_communes: int, rows: int, seed: int) -> pd.DataFrame:
    """A result table: each commune's rows together, text with commas, quotes and a line
    break among them."""
    rng = np.random.default_rng(seed)
    ids = np.repeat([f"X{k:04d}" for k in range(n_communes)], rows)
    notes = rng.choice(["", "a, b", 'say "yes"', "two\nlines", "=1+1", "ok"], len(ids))
    return pd.DataFrame(
        {
            "commune_id": ids,
            "year": np.tile(np.arange(2021, 2021 + rows), n_communes),
            "value": rng.choice([0.1, 1.0, 2.5, np.nan, 1e-7], len(ids)),
            "note": notes,
            # a long list of categories, of which a commune's rows use a few
            "ref": pd.Categorical(
                [f"=row {k}" if k % 7 == 0 else f"r{k}" for k in range(len(ids))]
            ),
        }
    )


@pytest.mark.parametrize(
    "change",
    [
        "one value",
        "several communes' values",
        "a commune's row more",
        "a commune gone",
        "a new commune",
        "rows reordered",
    ],
)
def test_rows_taken_from_the_earlier_file_give_a_whole_writes_bytes(tmp_path, change):
    """After a change, the unchanged communes' rows copied from the earlier file and the others
    formatted give exactly what writing the whole table gives; an earlier file laid out
    otherwise is refused (nothing written), never spliced wrong."""
    before = _by_commune(40, 5, seed=1)
    write_csv(before, tmp_path / "before.csv")
    after = before.copy()
    touched = {"X0007"}
    if change == "one value":
        after.loc[37, "value"] = 3.25
    elif change == "several communes' values":  # formatted together, split back by commune
        after.loc[[0, 36, 37, 101, 199], ["value", "note"]] = [3.25, "three\nlines, here"]
        touched = {"X0000", "X0007", "X0020", "X0039"}
    elif change == "a commune's row more":
        extra = after[after["commune_id"] == "X0007"].iloc[:1].assign(year=2030)
        after = pd.concat([after.iloc[:40], extra, after.iloc[40:]], ignore_index=True)
    elif change == "a commune gone":
        after = after[after["commune_id"] != "X0007"].reset_index(drop=True)
    elif change == "a new commune":
        new = after.iloc[:5].assign(commune_id="X9999")
        after = pd.concat([after.iloc[:100], new, after.iloc[100:]], ignore_index=True)
        touched = {"X9999"}
    else:
        after = after.iloc[::-1].reset_index(drop=True)
    same = set(after["commune_id"]) - touched
    earlier = (tmp_path / "before.csv").read_bytes()
    done = tables.write_csv_reusing(after, tmp_path / "after.csv", earlier, same)
    write_csv(after, tmp_path / "whole.csv")
    if change == "rows reordered":
        assert not done and not (tmp_path / "after.csv").exists()
        return
    assert done
    assert (tmp_path / "after.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_an_earlier_file_that_does_not_hold_the_rows_it_claims_is_not_used(tmp_path):
    """A commune said unchanged whose earlier rows differ (a column formatted otherwise, a
    header changed) is caught: the table is then written whole."""
    frame = _by_commune(10, 3, seed=2)
    write_csv(frame.assign(value=frame["value"].round(0)), tmp_path / "before.csv")
    earlier = (tmp_path / "before.csv").read_bytes()
    same = set(frame["commune_id"])
    assert not tables.write_csv_reusing(frame, tmp_path / "a.csv", earlier, same)
    write_csv(frame.rename(columns={"note": "notes"}), tmp_path / "before.csv")
    earlier = (tmp_path / "before.csv").read_bytes()
    assert not tables.write_csv_reusing(frame, tmp_path / "a.csv", earlier, same)
