"""``load_catalogue``: the catalogue of a targets.xlsx, loaded once for the same bytes (catalogue/load.py reads it)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from reporttool.catalogue.load import load
from reporttool.catalogue.model import Catalogue

_LOADED: dict[str, tuple[bytes, Catalogue]] = {}  # path -> (SHA-256 of the bytes it was loaded from, catalogue)
_KEEP = 8


def load_catalogue(path: str | Path) -> Catalogue:
    """Read and validate templates/targets.xlsx. Raises CatalogueInvalid listing every problem.

    A catalogue loaded before from the same bytes is returned again (a command asks for it more than once:
    the CLI, then the run under the workspace lock; ≈ 12 ms each at the default city's size). The bytes
    are hashed each time, so an edited file is always loaded afresh; a Catalogue is frozen."""
    path = Path(path)
    try:
        digest = hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return load(path)  # missing or unreadable: load says which, in its words
    key = str(path.resolve())
    kept = _LOADED.get(key)
    if kept is not None and kept[0] == digest:
        return kept[1]
    cat = load(path)
    _LOADED.pop(key, None)
    if len(_LOADED) >= _KEEP:  # a long-lived process (tests, the web page) meets many workspaces
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[key] = (digest, cat)
    return cat
