"""Shared fixtures: a small fixture city (built in code, not 葫芦岛) and workspaces."""
from __future__ import annotations

import os

import pytest
from helpers import FEB, JAN, MAR, REPO, ingest_month, make_small_catalogue

from reporttool.catalogue import Catalogue, load_catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.ledger import Ledger
from reporttool.pipeline.side import ENV as SIDE_ENV
from reporttool.workspace import Workspace, init_workspace

# Runs write their brief in this process: a side process per consolidate would add minutes of start-ups to the
# suite, and tests that replace a renderer by monkeypatching need it here. tests/test_side.py turns it on.
os.environ.setdefault(SIDE_ENV, "0")


@pytest.fixture
def small_catalogue() -> Catalogue:
    return make_small_catalogue()


@pytest.fixture(scope="session")
def default_catalogue() -> Catalogue:
    return load_catalogue(REPO / "templates" / "targets.xlsx")


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    """A fresh workspace of the embedded default city, in a folder with a Chinese name."""
    return init_workspace(tmp_path / "葫芦岛工作目录")


@pytest.fixture
def small_workspace(tmp_path) -> Workspace:
    """A fresh workspace whose targets.xlsx is the small fixture city."""
    ws = init_workspace(tmp_path / "测试市")
    write_catalogue(make_small_catalogue(), ws.targets)
    return ws


@pytest.fixture
def ledger(small_workspace):
    with Ledger(small_workspace) as led:
        yield led


@pytest.fixture
def quarter(ledger):
    """A ledger with January to March 2025 (see tests/test_months.py): 甲区 every month, 乙县 January and February."""
    ingest_month(ledger, JAN, "110101", {("A", "SR"): 100000, ("B", "SR"): 500, ("A", "CZ"): 10})
    ingest_month(ledger, FEB, "110101", {("A", "SR"): 250000, ("B", "SR"): 1000, ("A", "CZ"): 20})
    ingest_month(ledger, MAR, "110101", {("A", "SR"): 420000, ("B", "SR"): 1500, ("A", "CZ"): 30})
    ingest_month(ledger, JAN, "110102", {("A", "SR"): 50000})
    ingest_month(ledger, FEB, "110102", {("A", "SR"): 120000})
    return ledger
