"""A small run of the HR dashboard benchmark: the service's figures equal the naive per-person ones."""

from __future__ import annotations

import argparse

import pytest

from tests.bench import bench_hr_dashboard


@pytest.mark.postgres
def test_the_benchmark_runs_and_agrees_with_the_naive_figures(empty_database_url, capsys):
    result = bench_hr_dashboard.run(empty_database_url,
                                    argparse.Namespace(employees=300, runs=1, skip_naive_export=False))
    printed = capsys.readouterr().out
    assert "figures agree" in printed
    assert 250 <= result["exported"] == result["headcount"] < 300  # the seed's leavers (2%) are left out
    assert result["full_peak"] > 0 and result["tenth_peak"] > 0
