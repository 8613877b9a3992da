"""Selection speed: pick 225 eligible contacts out of 1,000,000 with 10,000,000 past sends.

Builds the data with INSERT … SELECT from recursive CTEs (seconds, not Python loops) in an
SQLite file under bench/results/, then times the engine's own selection query
(wabroadcast.storage.sends.eligible_contacts) and prints SQLite's EXPLAIN QUERY PLAN.

Three templates are measured:
  daily_offer   the drip case: already sent to the first 500,000 contacts in index order
  promo_3       sent to a scattered half of the contacts
  brand_new     never sent

    .venv/bin/python bench/select.py [--contacts 1000000] [--sends 10000000] [--rebuild]
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _use_stdlib_select() -> None:
    """This file shares its name with the standard library's `select`, which asyncio imports,
    and any script run from bench/ has this folder first on sys.path. Load the real module
    into sys.modules first, so every `import select` gets it (an import returns
    sys.modules["select"], even when this file is the one being imported)."""
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    sys.modules.pop("select", None)
    import select as stdlib_select

    sys.path[:] = saved
    sys.modules["select"] = stdlib_select


_use_stdlib_select()
if __name__ == "__main__":
    from selection_bench import main

    main()
