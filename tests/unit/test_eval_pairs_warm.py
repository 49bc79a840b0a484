"""`eval-pairs` waits for the mappers' indexes as `serve` does, instead of measuring degraded mode."""

from __future__ import annotations

import pytest

from adapters.mappers.budget import DeadlineExceeded
from adapters.mappers.taxonomy_json import load_default_taxonomy
from entrypoints.eval_pairs import _warm


class _Chain:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    def warm(self, taxonomy: object) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)


def test_an_index_still_being_built_is_waited_for(capsys: pytest.CaptureFixture[str]) -> None:
    chain = _Chain([DeadlineExceeded("ainda em construção"), DeadlineExceeded("ainda em construção")])
    _warm(chain, load_default_taxonomy(), timeout_s=60)
    assert chain.calls == 3
    assert "warning" not in capsys.readouterr().err


def test_after_the_timeout_it_measures_anyway_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    chain = _Chain([DeadlineExceeded("ainda em construção")] * 3)
    _warm(chain, load_default_taxonomy(), timeout_s=0)
    assert chain.calls == 1
    assert "did not warm up" in capsys.readouterr().err


def test_any_other_failure_is_not_retried(capsys: pytest.CaptureFixture[str]) -> None:
    chain = _Chain([RuntimeError("modelo ausente"), DeadlineExceeded("x")])
    _warm(chain, load_default_taxonomy(), timeout_s=60)
    assert chain.calls == 1
    assert "RuntimeError" in capsys.readouterr().err
