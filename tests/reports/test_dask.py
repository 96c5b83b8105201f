"""The same reports from a Dask cluster (two worker processes on loopback) as from the local
process pool."""

import os

import pytest
from conftest import SAMPLE, report_stem

from ntm_lib.commands.report import run_report
from ntm_lib.reports.batch import exit_code

distributed = pytest.importorskip(
    "distributed", reason="Dask is an optional extra: ntm-assess[dask]"
)

DATA = [str(SAMPLE / "indicators.csv")]
REGISTER = str(SAMPLE / "communes.csv")
IDS = ["10894", "10912", "10933"]
COMPARED = [f"communes/{report_stem(c, 2025)}.html" for c in IDS] + [
    "index.html",
    "results/indicators.csv",
    "results/communes.csv",
]


def test_cluster_outputs_equal_local_pool_outputs(tmp_path, monkeypatch):
    """SOURCE_DATE_EPOCH is set for `ntm` only: the cluster's workers were started without it
    (as workers started on their own are), and each page still carries the run's time."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        local = run_report(
            DATA, REGISTER, "hd-2022-advanced", tmp_path / "local", communes=IDS, jobs=2
        )
        remote = run_report(
            DATA,
            REGISTER,
            "hd-2022-advanced",
            tmp_path / "cluster",
            communes=IDS,
            scheduler=cluster.scheduler_address,
        )
        workers = len(cluster.workers)
        with distributed.Client(cluster.scheduler_address) as client:
            seen = client.run(lambda: os.environ.get("SOURCE_DATE_EPOCH"))
    assert workers == 2
    assert set(seen.values()) == {None}, "the workers never had it, and were left without it"
    assert exit_code(local) == exit_code(remote) == 0
    for name in COMPARED:
        assert (tmp_path / "local" / name).read_bytes() == (
            tmp_path / "cluster" / name
        ).read_bytes(), name
