"""Progress bars that a reader running a chapter sees, and the stored book does not.

``make execute`` and the test suite set ``LSTMBOOK_NO_PROGRESS=1`` while they run the
chapters, so the committed notebooks (and the HTML built from them) hold no bars with
rates and times; a reader running a chapter in Jupyter sees them live.
"""

from __future__ import annotations

import os

from tqdm.auto import tqdm

ENVIRONMENT_VARIABLE = "LSTMBOOK_NO_PROGRESS"


def bar(iterable=None, *, show: bool = True, **options) -> tqdm:
    """``tqdm.auto.tqdm(iterable, **options)``, hidden unless ``show`` and the bars are on."""
    hidden = not show or os.environ.get(ENVIRONMENT_VARIABLE, "") not in ("", "0")
    return tqdm(iterable, disable=hidden, **options)
