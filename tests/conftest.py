"""Shared fixtures: a small fixture city (built in code, not 葫芦岛) and workspaces."""
from __future__ import annotations

import pytest
from helpers import REPO, make_small_catalogue

from reporttool.catalogue import Catalogue, load_catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.workspace import Workspace, init_workspace


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

