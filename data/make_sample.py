"""Generate the illustrative sample data (and large synthetic data sets for benchmarks).

The values are NOT real commune statistics: no per-commune NTM figures are published. They are
drawn, with a fixed seed, around each indicator's threshold in the Hải Dương advanced set so
that some communes meet the set, some are close and some are far, with a few regressions from
year to year. The register (names, codes, district, region) is real: codes are the pre-2025
commune codes of the official old-to-new conversion table (see data/README.md).

    python data/make_sample.py                       # data/sample/, as committed
    python data/make_sample.py --communes 10000 --years 5 --out /tmp/big   # for benchmarks
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from ntm_lib.criteria.catalogue import load_set, threshold_of

SEED = 20221
SAMPLE = Path(__file__).parent / "sample"
# The sample's hashes, by which every output made from it is marked as illustrative.
REGISTRY = Path(__file__).parents[1] / "ntm_lib" / "illustrative.yaml"
SET_ID = "hd-2022-advanced"
# Indicators added to the set after the sample was first drawn: their values come from a
# generator of their own, so that every other value of the sample stayed as it was.
ADDED = ("14.3", "14.4")
YEARS = [2021, 2022, 2023, 2024, 2025]
REGION = "Đồng bằng sông Hồng"

# Cẩm Giàng district communes: (pre-2025 code, name, latent capacity 0..1 for the generator).
# Capacities only shape the illustration; Đức Chính and Cẩm Văn, recognised model communes,
# are drawn strong; the others spread from close to far.
CAM_GIANG = [
    ("10894", "Cẩm Hưng", 0.90),
    ("10897", "Cẩm Hoàng", 0.62),
    ("10900", "Cẩm Văn", 0.95),
    ("10903", "Ngọc Liên", 0.88),
    ("10909", "Cẩm Vũ", 0.86),
    ("10912", "Đức Chính", 0.99),
    ("10918", "Định Sơn", 0.58),
    ("10924", "Lương Điền", 0.87),
    ("10930", "Tân Trường", 0.80),
    ("10933", "Phúc Điền", 0.66),
    ("10939", "Cẩm Đông", 0.78),
]


def register(n: int | None) -> pd.DataFrame:
    if n is None:
        rows = [(code, name, "Cẩm Giàng", "Hải Dương", REGION) for code, name, _ in CAM_GIANG]
    else:
        # Synthetic communes of a synthetic province's districts; the province is named Hải
        # Dương so that Hải Dương's provincial sets apply to them.
        rows = [
            (f"S{i:06d}", f"Xã mẫu {i}", f"Huyện mẫu {i // 20}", "Hải Dương", REGION)
            for i in range(n)
        ]
    return pd.DataFrame(rows, columns=["commune_id", "name", "district", "province", "region"])


def capacities(n: int | None, rng: np.random.Generator) -> np.ndarray:
    if n is None:
        return np.array([c for _, _, c in CAM_GIANG])
    return rng.uniform(0.5, 1.0, n)


def reference_threshold(cset, ind, year: int) -> float:
    """The threshold to draw around: this year's for the delta region, else (unknown this
    year) the nearest known one, a little lower; NaN when the set knows none at all."""
    thr = threshold_of(cset, ind.code, "dbsh", year)
    if thr == thr:
        return thr
    period = range(cset.period.start, cset.period.end + 1)
    for other in sorted(period, key=lambda y: (abs(y - year), -y)):
        thr = threshold_of(cset, ind.code, "dbsh", other)
        if thr == thr:
            return thr * 0.93
    return float("nan")


def draw_values(
    cset,
    reg: pd.DataFrame,
    cap: np.ndarray,
    years: list[int],
    rng: np.random.Generator,
    only: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """A long table (commune_id, year, indicator, value) of plain numbers: of every indicator
    but the ADDED ones, or of `only` these."""
    inds = [
        i
        for i in cset.indicators
        if not i.value_from and (i.code in only if only is not None else i.code not in ADDED)
    ]
    difficulty = rng.uniform(-0.05, 0.10, len(inds))
    frames = []
    for y_i, year in enumerate(years):
        level = cap + 0.035 * y_i + rng.normal(0, 0.04, len(cap))
        for j, ind in enumerate(inds):
            lv = level - difficulty[j] + rng.normal(0, 0.03, len(cap))
            thr = reference_threshold(cset, ind, year)
            if ind.unit_kind == "yes_no":
                value = (lv > 0.55).astype(float)
            elif ind.unit == "count":
                value = rng.poisson(np.clip(4 * (lv - 0.6), 0.05, None)).astype(float)
            elif ind.rule.op in ("<=", "<"):
                value = np.clip(thr * (1.5 - 0.6 * lv), 0, 100).round(1)
            else:
                value = (thr * (0.88 + 0.16 * lv)).round(1)
                if ind.unit_kind == "percent":
                    value = np.clip(value, 0, 100)
            frames.append(
                pd.DataFrame(
                    {
                        "commune_id": reg["commune_id"],
                        "year": year,
                        "indicator": ind.code,
                        "value": value,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def as_typed(data: pd.DataFrame, cset, rng: np.random.Generator) -> pd.Series:
    """Values written the way officers type them: 'Đạt', '95,5', '95%', '68,5'."""
    kinds = data["indicator"].map({i.code: i.unit_kind for i in cset.indicators})
    comma = data["value"].map(lambda v: f"{v:g}".replace(".", ","))
    pct = rng.random(len(data)) < 0.3
    typed = comma.where(~((kinds == "percent") & pct), comma + "%")
    return typed.where(kinds != "yes_no", data["value"].map({1.0: "Đạt", 0.0: "Chưa đạt"}))


def proofs(data: pd.DataFrame) -> pd.DataFrame:
    """Illustrative evidence for Đức Chính's last two years: the commune's yearly report for
    most values, one document too old (17.4 in 2025) and none for criterion 14, so that the
    report's evidence section shows each case."""
    out = pd.DataFrame(
        "",
        index=data.index,
        columns=["proof_document", "proof_number", "proof_date", "proof_kept_at"],
    )
    mine = (
        (data["commune_id"] == "10912")
        & (data["year"] >= 2024)
        & ~data["indicator"].astype(str).str.startswith("14.")
    )
    year = data["year"].astype(str)
    out.loc[mine, "proof_document"] = "Báo cáo kết quả xây dựng NTM năm " + year[mine]
    out.loc[mine, "proof_number"] = np.where(
        data.loc[mine, "year"] == 2024, "112/BC-UBND", "128/BC-UBND"
    )
    out.loc[mine, "proof_date"] = "15/12/" + year[mine]
    out.loc[mine, "proof_kept_at"] = "Văn phòng HĐND-UBND xã"
    old = mine & (data["year"] == 2025) & (data["indicator"] == "17.4")
    out.loc[old, ["proof_document", "proof_number", "proof_date"]] = [
        "Biên bản kiểm tra phân loại rác tại nguồn",
        "07/BB-UBND",
        "20/03/2021",
    ]
    return out


def model_conditions(
    reg: pd.DataFrame, cap: np.ndarray, years: list[int], rng: np.random.Generator
) -> pd.DataFrame:
    frames = []
    for y_i, year in enumerate(years):
        for code, bar in (("KM.2", 0.93), ("KM.3", 0.88)):
            yes = cap + 0.02 * y_i + rng.normal(0, 0.02, len(cap)) > bar
            frames.append(
                pd.DataFrame(
                    {
                        "commune_id": reg["commune_id"],
                        "year": year,
                        "indicator": code,
                        "value": np.where(yes, "Đạt", "Chưa đạt"),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--communes", type=int, help="synthetic communes instead of Cẩm Giàng")
    p.add_argument("--years", type=int, default=len(YEARS))
    p.add_argument("--out", default=str(SAMPLE))
    p.add_argument("--seed", type=int, default=SEED)
    args = p.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    cset = load_set(SET_ID)
    years = list(range(YEARS[0], YEARS[0] + args.years))
    reg = register(args.communes)
    cap = capacities(args.communes, rng)
    # Illustrative sizes, for weighting roll-ups into merged communes; their own generator,
    # so that adding them left the indicator values unchanged.
    sizes = np.random.default_rng(args.seed + 1)
    reg["households"] = sizes.integers(1800, 3600, len(reg))
    reg["population"] = (reg["households"] * sizes.uniform(3.3, 3.9, len(reg))).round().astype(int)
    data = draw_values(cset, reg, cap, years, rng)
    added_rng = np.random.default_rng(args.seed + 2)
    added = draw_values(cset, reg, cap, years, added_rng, only=ADDED)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    reg.to_csv(out / "communes.csv", index=False, lineterminator="\n")
    if args.communes is None:
        data["value"] = as_typed(data, cset, rng)
        added["value"] = as_typed(added, cset, added_rng)
        data = pd.concat([data, added], ignore_index=True)
        data["source"] = "Báo cáo kết quả thực hiện NTM năm " + data["year"].astype(str)
        data = pd.concat([data, proofs(data)], axis=1)
        model_conditions(reg, cap, years, rng).to_csv(
            out / "model_conditions.csv", index=False, lineterminator="\n"
        )
    else:
        data = pd.concat([data, added], ignore_index=True)
        data["value"] = data["value"].map(lambda v: f"{v:g}")
    data.sort_values(["commune_id", "year"], kind="stable").to_csv(
        out / "indicators.csv", index=False, lineterminator="\n"
    )
    if args.communes is None and out.resolve() == SAMPLE.resolve():
        write_registry(out)
    print(f"{len(reg)} communes, {len(data)} rows -> {out}")


def write_registry(folder: Path) -> None:
    """The sample's hashes, by which ntm marks every output made from it as illustrative."""
    lines = [
        f"  {p.name}: {hashlib.sha256(p.read_bytes()).hexdigest()}"
        for p in sorted(folder.glob("*.csv"))
    ]
    REGISTRY.write_text(
        "# SHA-256 of the bundled illustrative sample's files (data/sample/), written by\n"
        "# data/make_sample.py: outputs made from any of them are marked as illustrative.\n"
        "sha256:\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
