"""Include each script once per page.

sphinx-thebe (loaded by Jupyter Book) adds its inline configuration script when the build
environment is read, after the builder exists, so Sphinx 7 lists it twice and the browser
stops at "Identifier 'THEBE_JS_URL' has already been declared". Keep the first of each.
"""

from sphinx.application import Sphinx


def drop_repeated_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # an inline script has no file name ('' or None): its body identifies it
        key = getattr(script, "attributes", {}).get("body") or str(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", drop_repeated_scripts)
    return {"parallel_read_safe": True}
