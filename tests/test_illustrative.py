"""The bundled sample is recognised by its hashes, wherever a copy of it lies."""

import shutil

from conftest import SAMPLE

from ntm_lib.illustrative import inputs_illustrative, is_illustrative, sample_hashes
from ntm_lib.provenance import files, sha256


def test_registry_lists_every_sample_file_as_it_is():
    on_disk = {sha256(p) for p in SAMPLE.glob("*.csv")}
    assert on_disk and on_disk == set(sample_hashes())


def test_a_renamed_copy_is_still_the_sample(tmp_path):
    copy = shutil.copy(SAMPLE / "indicators.csv", tmp_path / "so-lieu-cua-toi.csv")
    assert inputs_illustrative(files([copy], "data"))


def test_an_edited_copy_is_data_of_its_own(tmp_path):
    copy = tmp_path / "indicators.csv"
    copy.write_bytes((SAMPLE / "indicators.csv").read_bytes() + b"\n")
    assert not inputs_illustrative(files([copy], "data"))
    assert not is_illustrative([])
