"""The input size limit as a person sets it (NTM_MAX_INPUT_MB), decimal comma or point."""

import pytest

from ntm_lib.intake.limits import DEFAULT_MAX_MB, SettingError, max_bytes


@pytest.mark.parametrize(
    "typed, megabytes",
    [("", DEFAULT_MAX_MB), ("200", 200), ("0.5", 0.5), ("0,5", 0.5), (" 1,25 ", 1.25)],
)
def test_a_limit_as_typed(typed, megabytes, monkeypatch):
    monkeypatch.setenv("NTM_MAX_INPUT_MB", typed)
    assert max_bytes() == int(megabytes * 1024 * 1024)


@pytest.mark.parametrize("typed", ["lots", "-5", "0", "1,000.5", "1,5,0", "nan", "inf"])
def test_a_limit_that_cannot_be_used_is_refused(typed, monkeypatch):
    monkeypatch.setenv("NTM_MAX_INPUT_MB", typed)
    with pytest.raises(SettingError):
        max_bytes()
