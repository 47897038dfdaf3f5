"""Shared fixtures: a small fixture city (built in code, not 葫芦岛) and workspaces."""
from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from reporttool.catalogue import Catalogue, load_catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.core.models import Cluster, District, Indicator, Settings, Target
from reporttool.workspace import Workspace, init_workspace

REPO = Path(__file__).resolve().parents[1]


def make_small_catalogue() -> Catalogue:
    """A made-up city: 3 districts (one a development zone), 3 clusters, indicators of every source."""
    ind = Indicator
    return Catalogue(
        Settings(city="测试市", issuing_unit="测试市工业和信息化局", bulletin_name="产业集群工作简报",
                 deadline_day=5, lag_threshold=D(5), yoy_threshold=D(30), form_code="测集群",
                 form_authority="测试市工业和信息化局", form_valid_until="2026年12月",
                 report_to="市领导", send_to="各牵头单位", distribute_to="各县区", copies=10),
        (District("110101", "甲区", "区", 1), District("110102", "乙县", "县", 2),
         District("KF01", "丙开发区", "开发区", 3)),
        (Cluster("A", "化工产业集群", "化工", "千亿级", 1, ("市工信局",), ("张三 副市长",), ("甲化工",), ()),
         Cluster("B", "装备制造产业集群", "装备制造", "百亿级", 2, ("市发改委",), ("李四 副市长",), (), ()),
         Cluster("C", "文旅产业集群", "文旅", "百亿级", 3, ("市文旅局",), ("王五 副市长",), (), ())),
        (ind("SR", "营业收入", "亿元", "万元", "output", clusters=("A", "B", "C"), roster_measure="营业收入合计",
             order=1),
         ind("CZ", "工业总产值", "亿元", "万元", "output", clusters=("A", "B"), order=2),
         ind("GS", "规上企业户数", "户", "户", "roster", clusters=("A", "B"), roster_measure="规上企业户数",
             decimals=0, compare_time=False, order=3),
         ind("GD", "高端装备营业收入", "亿元", "万元", "output", clusters=("B",), order=4),
         ind("ZB", "高端装备营收占比", "%", "%", "formula", summable=False, clusters=("B",),
             formula="GD/SR*100", decimals=1, compare_time=False, order=5),
         ind("YK", "接待游客人次", "万人次", "万人次", "output", clusters=("C",), order=6),
         ind("TZ", "项目完成投资", "亿元", "万元", "projects", clusters=("A", "B", "C"), roster_measure="本年完成投资",
             order=7)),
        (Target("A", "SR", "annual", 2025, D(100), D(6)),
         Target("A", "GS", "annual", 2025, D(20)),
         Target("B", "SR", "annual", 2025, D(50)),
         Target("B", "ZB", "annual", 2025, D(30)),
         Target("C", "YK", "base_multiple", 2025, base_year=2022, base_value=D(100), multiple=D(3)),
         Target("", "SR", "annual", 2025, D(200))),
    )


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

