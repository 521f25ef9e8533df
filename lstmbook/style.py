"""The book's one figure style: fits the 688-pixel text column at 100%, text at least 9 pt.

Call :func:`use` once at the top of a chapter. A one-panel figure is ``WIDTH`` inches wide;
two panels share that width (``plt.subplots(1, 2, figsize=(style.WIDTH, 3))``).
"""

from __future__ import annotations

import matplotlib as mpl

WIDTH = 6.8  # inches at 100 dpi: the column of the book's theme is about 688 px wide
HEIGHT = 3.2

#: One colour per gate, the same in every figure, diagram and explorer.
GATE_COLORS = {"i": "tab:green", "f": "tab:blue", "g": "tab:purple", "o": "tab:orange"}

RC = {
    "figure.figsize": (WIDTH, HEIGHT),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def use() -> None:
    """Apply the book's figure style to every figure drawn after this call."""
    mpl.rcParams.update(RC)
