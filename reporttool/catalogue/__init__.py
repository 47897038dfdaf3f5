"""The catalogue: what the city asks for (districts, clusters, indicators, targets, settings), read from
the workspace's templates/targets.xlsx (load), checked, and written back (writer).

Public names: ``from reporttool.catalogue import Catalogue, CatalogueInvalid, load_catalogue``.
"""
from reporttool.catalogue.memo import load_catalogue
from reporttool.catalogue.model import Catalogue, CatalogueInvalid, with_settings

__all__ = ["Catalogue", "CatalogueInvalid", "load_catalogue", "with_settings"]
