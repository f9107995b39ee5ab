"""Sphinx configuration of foldlab's book: the course notebooks, the maths page, the glossary and the API.

Built by ``make docs`` (``sphinx-build -W -c docs . docs/_build/html`` from the repository root): the source
directory is the repository itself, so that a notebook's page and its file in the repository have one path, which
the Binder launch button of each page opens (``notebooks/NN_....ipynb``). Only ``docs/`` and ``notebooks/`` are
read (``include_patterns``).

``FOLDLAB_BOOK_EXECUTE`` chooses how notebooks are executed: ``force`` (the default: every notebook runs, so its
figures are in the book) or ``off`` (the notebooks are taken as they are: the test suite builds the book from the
notebooks it has already run and graded).
"""

from __future__ import annotations

import os

import foldlab

project = "foldlab"
author = "the foldlab developers"
copyright = "2026, the foldlab developers"
version = release = foldlab.__version__

extensions = [
    "myst_nb",  # MyST Markdown pages and notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",  # the docstrings are numpydoc
]

root_doc = "docs/index"
include_patterns = ["docs/*.md", "notebooks/*.ipynb"]
exclude_patterns = ["docs/_build", "docs/README.md"]

# --- notebooks --------------------------------------------------------------------------------------------
nb_execution_mode = os.environ.get("FOLDLAB_BOOK_EXECUTE", "force")
nb_execution_timeout = 600
nb_execution_raise_on_error = True  # a notebook that fails is a broken book, not a page with a traceback
nb_execution_in_temp = False  # notebooks read files beside them (the shipped results)
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# The notebooks link to each other and to docs/ by relative file paths, which work in JupyterLab too; the
# links to files outside the book (benchmark results, scripts) go to the repository.
myst_url_schemes = ["http", "https", "mailto"]

# --- API ------------------------------------------------------------------------------------------------
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc sections already give the types
numpydoc_show_class_members = False  # autodoc's :members: lists them once
numpydoc_xref_param_type = False
numpydoc_class_members_toctree = False

# --- HTML -----------------------------------------------------------------------------------------------
REPOSITORY = "https://github.com/foldlab/foldlab"
html_theme = "sphinx_book_theme"
html_title = "foldlab"
html_extra_path = ["_root"]  # index.html at the top of the site, pointing to the book's first page
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": "main",
    "path_to_docs": "",  # the source directory is the repository root
    "use_repository_button": True,
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"},
}
