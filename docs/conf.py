"""Sphinx configuration of the sknc documentation.

Build (from the repository root; warnings are errors, examples are run)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Set ``SKNC_DOCS_PLOT_GALLERY=0`` to skip running the examples.
"""

import contextlib
import io
import os
import sys
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.parsers.rst.directives.misc import Include
from sphinx.util.docutils import SphinxDirective

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))

import sknc  # noqa: E402

# -- Project -----------------------------------------------------------------

project = "sknc"
author = "the sknc developers"
copyright = "2026, the sknc developers"
version = release = sknc.__version__

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

templates_path = ["_templates"]
# The Markdown pages are included by the .rst pages that wrap them, never
# built on their own; README.md says how to build the docs.
exclude_patterns = [
    "_build",
    "README.md",
    "results.md",
    "tabular.md",
    "regression.md",
    "performance.md",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"

# Offline build: no intersphinx; references to numpy, scikit-learn or torch
# objects in docstrings render as plain text instead of failing.
nitpicky = False

# Markdown files written for GitHub (results, performance, changelog) link to
# files of the repository, which are not pages of this site.
suppress_warnings = ["myst.xref_missing", "myst.header"]
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

# -- autodoc, autosummary, numpydoc ------------------------------------------

autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"members": True}

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Every public class and function documents an Examples section: the build
# fails otherwise. Methods are exempt (scikit-learn's convention).
numpydoc_validation_checks = {"EX01"}
numpydoc_validation_exclude = {
    r"\.[A-Z]\w*\.\w+$",  # methods and properties of classes
    r"^sknc\.cli$",
    r"^sknc\.datasets$",
    r"^sknc\.information$",
    r"^sknc\.plotting$",
    r"^sknc$",
}

# -- sphinx-gallery ----------------------------------------------------------


sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "plot_gallery": os.environ.get("SKNC_DOCS_PLOT_GALLERY", "True"),
    "doc_module": ("sknc",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sknc": None},
    "within_subsection_order": "FileNameSortKey",
    "reset_modules": ("matplotlib", "_gallery_hooks.reset_torch"),
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}

# -- HTML --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sknc {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path = []
html_show_sourcelink = False


# -- Local directives --------------------------------------------------------


class OptionalMarkdownInclude(SphinxDirective):
    """Include a Markdown file, or a placeholder page if it does not exist yet.

    ``.. sknc-markdown:: results.md`` with the option ``:title:`` (the page
    title used by the placeholder). The file's own top heading titles the
    page when it exists. Paths are relative to the including document.
    """

    required_arguments = 1
    option_spec = {"title": directives.unchanged_required}

    def run(self):
        source = Path(self.state.document.current_source).parent
        path = (source / self.arguments[0]).resolve()
        title = self.options.get("title", path.stem)
        if not path.is_file():
            lines = [
                title,
                "=" * len(title),
                "",
                f"*This page is written in* ``{self.arguments[0]}``, *which does "
                "not exist yet in this checkout.*",
                "",
            ]
            self.state_machine.insert_input(lines, str(path))
            return []
        self.env.note_dependency(str(path))
        include = Include(
            self.name,
            [str(path)],
            {"parser": _myst_parser()},
            self.content,
            self.lineno,
            self.content_offset,
            self.block_text,
            self.state,
            self.state_machine,
        )
        return include.run()


def _myst_parser():
    from myst_parser.parsers.sphinx_ import MystParser

    return MystParser


class CliHelp(SphinxDirective):
    """Insert the ``--help`` text of ``sknc`` or one of its subcommands."""

    optional_arguments = 1

    def run(self):
        from sknc.cli import main

        argv = [*self.arguments, "--help"]
        out = io.StringIO()
        columns = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "80"
        try:
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                main(argv)
        finally:
            if columns is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = columns
        text = out.getvalue().rstrip()
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def _skip_foreign_members(app, what, name, obj, skip, options):
    # Members inherited from scikit-learn or skorch (get_params, set_output,
    # on_epoch_end, ...) are documented there; their docstrings point into
    # those projects' documentation. The API page says they exist.
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and module and not module.startswith("sknc"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
    app.add_directive("sknc-markdown", OptionalMarkdownInclude)
    app.add_directive("sknc-cli-help", CliHelp)
