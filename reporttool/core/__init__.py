"""Leaf layer: the records, status words, rule catalogue, units, number formatting, formulas, atomic
file writes and the workbook safety pre-check that every stage shares. Imports nothing of reporttool."""
