"""What the report tests share."""

import pytest


@pytest.fixture(scope="module")
def worker():
    """A process of the report pool, as `ntm report` starts it."""
    from ntm_lib.reports.worker import default_executor, stop

    pool = default_executor(1)
    yield pool
    stop(pool, kill=True)
