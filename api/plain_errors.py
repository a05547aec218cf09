"""Error and warning text fit to show anyone: no server paths.

Parsers word their failures with the file they failed on ("Package not found at
'/srv/citesearch/index-uploads/notazip.docx'"); the folder says how the server is laid out, so a
job keeps only the file's own name.
"""

from __future__ import annotations

import re

# A quoted absolute path ('/a/b c.docx' or "/a/b"), then a bare one (no spaces): an absolute
# path starts with "/" that no word, dot, colon or slash comes right before (so "https://x/y",
# "a/b" and "1/2" are left alone).
_QUOTED = re.compile(r"""(?P<q>['"])(?P<path>/[^'"\n]*/[^'"\n]*)(?P=q)""")
_BARE = re.compile(r"""(?<![\w.:/~-])/(?:[^\s/'"]+/)+[^\s/'"]*""")


def _base_name(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[-1] if parts else ""


def scrub_paths(text: str) -> str:
    """``text`` with each absolute path replaced by its last part (the file's own name).

    >>> scrub_paths("Package not found at '/srv/data/index-uploads/notazip.docx'")
    "Package not found at 'notazip.docx'"
    >>> scrub_paths("[Errno 2] No such file: /tmp/citesearch-mail-x1/memo--a.pdf (page 3)")
    '[Errno 2] No such file: memo--a.pdf (page 3)'
    >>> scrub_paths("see https://example.org/a/b and 1/2 of a/b")
    'see https://example.org/a/b and 1/2 of a/b'
    """
    text = _QUOTED.sub(lambda m: f"{m['q']}{_base_name(m['path'])}{m['q']}", text)
    return _BARE.sub(lambda m: _base_name(m.group(0)), text)
