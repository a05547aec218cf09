"""``bench`` is not an installed package and ``tests/bench`` would shadow it as a namespace
package: the repository root goes first on ``sys.path`` so the tests import the real one."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[:1] != [ROOT]:
    sys.path.insert(0, ROOT)
if getattr(sys.modules.get("bench"), "__file__", "") is None:  # the namespace one, imported
    del sys.modules["bench"]
