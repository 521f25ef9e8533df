"""Fail the build when a chapter was committed with a cell that raised.

The book renders stored outputs (execute_notebooks: off), so a failing cell never runs during
the build. This extension turns a stored error output into a build warning, which `-W` makes
an error. A cell that raises on purpose carries the tag `raises-exception`.
"""

import json

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def check_stored_errors(app: Sphinx, docname: str, source: list[str]) -> None:
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = json.loads(source[0])
    for index, cell in enumerate(notebook["cells"]):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                logger.warning(
                    "cell %d stored an error (%s: %s); re-execute the chapter",
                    index,
                    output["ename"],
                    output["evalue"],
                    location=docname,
                )


def setup(app: Sphinx) -> dict:
    app.connect("source-read", check_stored_errors)
    return {"parallel_read_safe": True}
