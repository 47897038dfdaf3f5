"""The per-submission aggregates: typed records, their JSON (format 2) and the tagged JSON of older ledgers."""
from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from reporttool.catalogue.model import PROJECT_MEASURES, ROSTER_MEASURES
from reporttool.core.models import Row
from reporttool.ledger.aggregates import (
    AGGREGATES_FORMAT,
    PROJECT_FIELDS,
    ROSTER_FIELDS,
    AggregatesUnreadable,
    ClusterProjects,
    ClusterRoster,
    SubmissionAggregates,
    Sum,
    submission_aggregates,
)

ROSTER = [Row(3, {"cluster": "A", "is_scale": "是", "is_leader": "是", "revenue": D("100.5"), "revenue_ly": D(80),
                  "employees": 7}),
          Row(4, {"cluster": "A", "is_scale": "否", "revenue": D(50)}),
          Row(5, {"cluster": None, "is_scale": "否", "output_value": D("2.25"), "output_value_ly": D(2)})]
PROJECTS = [Row(3, {"cluster": "B", "status": "在建", "total": D(10), "done_year": D(3)}),
            Row(4, {"cluster": "B", "status": None, "plan_year": D("0.5")})]

# The older version's encode_aggregates of submission_aggregates(ROSTER, PROJECTS), as a ledger keeps it.
TAGGED = (
    '{"M":[["roster",{"M":[["A",{"M":[["营业收入合计",{"S":["150.5","80","100.5"],"L":true}],["工业总产值合计",'
    '{"S":[null,null,null],"L":true}],["规上企业户数",{"S":["1",null,null],"L":false}],["企业户数",{"S":["2",null,null],'
    '"L":false}],["从业人员合计",{"S":["7",null,null],"L":false}],["_leaders",1]]}],[null,{"M":[["营业收入合计",'
    '{"S":[null,null,null],"L":true}],["工业总产值合计",{"S":["2.25","2","2.25"],"L":true}],["规上企业户数",{"S":["0",'
    'null,null],"L":false}],["企业户数",{"S":["1",null,null],"L":false}],["从业人员合计",{"S":[null,null,null],'
    '"L":false}],["_leaders",0]]}]]}],["projects",{"M":[["B",{"M":[["本年完成投资",{"S":["3",null,null],"L":false}],'
    '["本年计划投资",{"S":["0.5",null,null],"L":false}],["总投资",{"S":["10",null,null],"L":false}],["项目个数",'
    '{"S":["2",null,null],"L":false}],["_status",{"M":[["在建",1],["",1]]}],["_sum",{"M":[["total",{"D":"10"}],'
    '["plan_year",{"D":"0.5"}],["done_year",{"D":"3"}]]}]]}]]}]]}')

# Worked by hand from ROSTER and PROJECTS.
EXPECTED = SubmissionAggregates(
    roster={"A": ClusterRoster(revenue=Sum(D("150.5"), D(80), D("100.5"), True), output_value=Sum(None, None, None, True),
                               scale=Sum(D(1)), enterprises=Sum(D(2)), employees=Sum(D(7)), leaders=1),
            None: ClusterRoster(revenue=Sum(None, None, None, True), output_value=Sum(D("2.25"), D(2), D("2.25"), True),
                                scale=Sum(D(0)), enterprises=Sum(D(1)), employees=Sum(), leaders=0)},
    projects={"B": ClusterProjects(done_year=Sum(D(3)), plan_year=Sum(D("0.5")), total=Sum(D(10)), projects=Sum(D(2)),
                                   by_status={"在建": 1, "": 1})})


def test_submission_aggregates_are_typed_records_per_cluster():
    assert submission_aggregates(ROSTER, PROJECTS) == EXPECTED


def test_typed_round_trip_is_exact_and_versioned():
    text = EXPECTED.to_json()
    assert json.loads(text)["format"] == AGGREGATES_FORMAT
    back = SubmissionAggregates.from_json(text)
    assert back == EXPECTED
    assert [str(s.value) for s in (back.roster["A"].revenue, back.projects["B"].plan_year)] == ["150.5", "0.5"]
    assert SubmissionAggregates.from_json(SubmissionAggregates().to_json()) == SubmissionAggregates()


def test_the_tagged_json_of_an_older_ledger_is_read():
    assert SubmissionAggregates.from_json(TAGGED) == EXPECTED


@pytest.mark.parametrize("text", ['{"format": 3, "roster": [], "projects": []}', '{"format": 2}', "[1]", "不是JSON"])
def test_unreadable_aggregates_are_refused_in_chinese(text):
    with pytest.raises(AggregatesUnreadable, match="汇总数"):
        SubmissionAggregates.from_json(text)


def test_each_catalogue_measure_names_one_field():
    assert list(ROSTER_FIELDS) == list(ROSTER_MEASURES) and list(PROJECT_FIELDS) == list(PROJECT_MEASURES)
    r, p = EXPECTED.roster["A"], EXPECTED.projects["B"]
    assert [r.measure(m) for m in ROSTER_MEASURES] == [r.revenue, r.output_value, r.scale, r.enterprises, r.employees]
    assert [p.measure(m) for m in PROJECT_MEASURES] == [p.done_year, p.plan_year, p.total, p.projects]
    with pytest.raises(ValueError, match="未知的企业名录汇总口径“营业收入”"):
        r.measure("营业收入")
    with pytest.raises(ValueError, match="未知的投资项目汇总口径“营业收入合计”"):
        p.measure("营业收入合计")


def test_invested_counts_a_missing_amount_as_zero():
    p = EXPECTED.projects["B"]
    assert (p.invested("total"), p.invested("plan_year")) == (D(10), D("0.5"))
    assert ClusterProjects.of([Row(3, {"cluster": "B"})]).invested("done_year") == D(0)


@pytest.mark.parametrize("table", [
    {**ROSTER_FIELDS, "营业收入合计": "revenue_total"},  # a field renamed, the table not
    {k: v for k, v in ROSTER_FIELDS.items() if k != "企业户数"},  # a catalogue measure without a field
])
def test_a_table_out_of_step_fails_on_import(monkeypatch, table):
    from reporttool.ledger import aggregates

    aggregates._check_fields()  # as imported
    monkeypatch.setattr(aggregates, "ROSTER_FIELDS", table)
    with pytest.raises(ImportError, match="ClusterRoster"):
        aggregates._check_fields()
