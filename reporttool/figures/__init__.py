"""The figures of a period: the records that feed the workbook and the brief, with the rules that are
part of them (records), and their computation from the ledger (compute).

Public names (the records): ``from reporttool.figures import Figures, IndicatorFigure, ...``.
"""
from reporttool.figures.records import (
    Figures,
    IndicatorFigure,
    InvestmentFigure,
    MonthFigure,
    OtherTargetFigure,
    PlanProgressFigure,
    PlanYear,
    RosterFigure,
    SubmissionState,
    add_cluster_measures,
    headline_figure,
    headline_figures,
    judge,
    programme_parts,
    roster_gaps,
    shown_gap,
    year_class,
)

__all__ = ["Figures", "IndicatorFigure", "InvestmentFigure", "MonthFigure", "OtherTargetFigure", "PlanProgressFigure",
           "PlanYear", "RosterFigure", "SubmissionState",
           "add_cluster_measures", "headline_figure", "headline_figures", "judge", "programme_parts",
           "roster_gaps", "shown_gap", "year_class"]
