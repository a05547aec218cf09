"""What a file says about itself in its own fields: title, authors, date and language.

Word's core properties (``docProps/core.xml``) and default language, OpenDocument's
``meta.xml``, a PDF's document information (pypdf) and its catalogue's ``/Lang``, a web page's
meta tags and byline (trafilatura reads both) and its ``<html lang>``, a Markdown file's front
matter (YAML between ``---`` or TOML between ``+++``). The manifest, where a collection has
one, still wins (``index/parse.py``); these fill what it leaves empty.

Fields that tools fill by themselves are dropped rather than shown as a document's title or
author: "Microsoft Word - draft3.docx", "Untitled", a file name, "Administrator", "user".
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from typing import Any

from index.ingest.source import FileMeta

_TOOL_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint|excel) - .*|untitled.*|(?:word )?document\d*|title|"
    r".*\.(?:docx?|odt|pdf|rtf|txt|indd|qxd|wpd|html?|md|tex|dvi|ps))$",
    re.IGNORECASE,
)
_TOOL_AUTHORS = {
    "administrator",
    "admin",
    "user",
    "owner",
    "unknown",
    "author",
    "microsoft office user",
    "windows user",
    "default",
    "anonymous",
}
# A name as people write one: words with letters and no digits, the longer words capitalised
# ("Ana Quispe", "Ministry of Foreign Affairs"); an account ("IMZ", "jsmith", "IBAL34 - MBOU")
# or a page's navigation picked up as a byline ("Authority control") is not one.
_NAME_WORD = re.compile(r"^(?:[^\W\d_][\w'’.-]*|\(|\)|&)$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_YEAR = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_FRONT_MATTER = re.compile(r"\A(?:---\n(.*?)\n(?:---|\.\.\.)\n|\+\+\+\n(.*?)\n\+\+\+\n)", re.DOTALL)
_YAML_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")


def title(value: object) -> str:
    """A title as the file gives it, or "" when it is empty or one a tool filled in."""
    text = " ".join(str(value or "").split())
    if not text or _TOOL_TITLE.match(text) or len(text) > 300:
        return ""
    return text


def authors(value: object) -> list[str]:
    """Authors from one field: a list, or names parted by ";" or a line break (a comma can be
    inside one name: "Smith, John"); the names tools fill in are dropped."""
    items = value if isinstance(value, list | tuple) else re.split(r"[;\n]", str(value or ""))
    found: list[str] = []
    for item in items:
        name = " ".join(str(item).split()).strip(" ,")
        if _is_name(name) and name not in found:
            found.append(name)
    return found


def _is_name(name: str) -> bool:
    words = name.split()
    if not 2 <= len(words) <= 12 or name.lower() in _TOOL_AUTHORS:
        return False
    if any(not _NAME_WORD.match(w) for w in words):
        return False
    # Lower-case words of four letters or more are prose, not a name ("Authority control");
    # scripts without case (Arabic, Chinese) pass.
    return not any(len(w) >= 4 and w[0].islower() for w in words)


def day(value: object) -> str | None:
    """A date as ISO 8601 (YYYY-MM-DD, or YYYY-MM / YYYY when that is all the field says)."""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d") if value.year > 1900 else None
    text = str(value or "").strip()
    if match := _ISO_DAY.match(text):
        year, month, dom = (int(g) for g in match.groups())
        try:
            return date(year, month, dom).isoformat() if year > 1900 else None
        except ValueError:
            return None
    if (match := _YEAR.match(text)) and int(match.group(1)) > 1900:
        return text
    return None


def language(value: object) -> str | None:
    """A language tag as the file gives it ("en-GB", "ru"), lower-cased; None when not a tag."""
    text = str(value or "").strip()
    if not text or not _LANGUAGE.match(text) or text.lower() in {"x-none", "und", "zxx"}:
        return None
    return text.replace("_", "-").lower()


_SCRIPT_OF = {
    **dict.fromkeys(["ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn"], "cyrillic"),
    **dict.fromkeys(["ar", "fa", "ur", "ps"], "arabic"),
    **dict.fromkeys(["el"], "greek"),
    **dict.fromkeys(["he", "yi"], "hebrew"),
    **dict.fromkeys(["zh", "ja", "ko", "th", "hi"], "other"),
}


def language_of_text(tag: str | None, text: str) -> str | None:
    """``tag`` when the text is written in its script (a file's declared language is often its
    template's: a Russian text saved as "en-US"); else None. Only the first 20,000 letters
    are looked at."""
    if tag is None:
        return None
    letters = [c for c in text[:20_000] if c.isalpha()]
    if not letters:
        return None
    counts = {"latin": 0, "cyrillic": 0, "arabic": 0, "greek": 0, "hebrew": 0, "other": 0}
    for c in letters:
        counts[_script(c)] += 1
    main = max(counts, key=lambda k: counts[k])
    expected = _SCRIPT_OF.get(tag.split("-")[0], "latin")
    return tag if main == expected else None


def _script(c: str) -> str:
    code = ord(c)
    if code < 0x250:
        return "latin"
    if 0x400 <= code < 0x530:
        return "cyrillic"
    if 0x600 <= code < 0x700 or 0x750 <= code < 0x780 or 0xFB50 <= code < 0xFF00:
        return "arabic"
    if 0x370 <= code < 0x400:
        return "greek"
    if 0x590 <= code < 0x600:
        return "hebrew"
    return "latin" if 0x1E00 <= code < 0x1F00 else "other"


def docx_meta(core: Any, styles: Any | None) -> FileMeta:
    """From python-docx's ``core_properties`` and the styles part's default run language."""
    lang = language(getattr(core, "language", ""))
    if lang is None and styles is not None:
        defaults = styles.xpath("./w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val")
        lang = language(defaults[0]) if defaults else None
    return FileMeta(
        title=title(core.title),
        authors=authors(core.author),
        published=day(core.created),
        language=lang,
    )


_ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def odt_meta(meta_root: Any | None) -> FileMeta:
    """From an OpenDocument package's parsed ``meta.xml`` (None: the package has none)."""
    if meta_root is None:
        return FileMeta()

    def first(path: str) -> str:
        found = meta_root.xpath(f"./office:meta/{path}/text()", namespaces=_ODF)
        return str(found[0]) if found else ""

    return FileMeta(
        title=title(first("dc:title")),
        authors=authors(first("meta:initial-creator") or first("dc:creator")),
        published=day(first("meta:creation-date") or first("dc:date")),
        language=language(first("dc:language")),
    )


def pdf_meta(reader: Any) -> FileMeta:
    """From a pypdf reader: the document information dictionary and the catalogue's /Lang.
    A damaged information dictionary gives nothing rather than an error."""
    try:
        info = reader.metadata
        catalog = reader.trailer["/Root"]
        lang = language(catalog.get("/Lang", ""))
    except Exception:  # pypdf raises several types for a damaged trailer or info dictionary
        return FileMeta()
    if info is None:
        return FileMeta(language=lang)
    try:
        created = info.creation_date
    except Exception:  # a malformed /CreationDate string
        created = None
    return FileMeta(
        title=title(info.title), authors=authors(info.author), published=day(created), language=lang
    )


def html_meta(metadata: Any | None, lang: str | None) -> FileMeta:
    """From trafilatura's metadata of a page (meta tags, JSON-LD, the byline) and its
    ``<html lang>``."""
    if metadata is None:
        return FileMeta(language=language(lang))
    return FileMeta(
        title=title(metadata.title),
        authors=authors(metadata.author),
        published=day(metadata.date),
        language=language(lang),
    )


def front_matter_meta(text: str) -> FileMeta:
    """From a Markdown file's front matter: TOML between ``+++`` lines, or the flat keys of
    YAML between ``---`` lines (``title``, ``author``/``authors``, ``date``, ``lang``)."""
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if match is None:
        return FileMeta()
    fields: dict[str, Any]
    if match.group(2) is not None:
        try:
            fields = tomllib.loads(match.group(2))
        except tomllib.TOMLDecodeError:
            return FileMeta()
    else:
        fields = _flat_yaml(match.group(1))
    names = fields.get("authors") or fields.get("author") or ""
    return FileMeta(
        title=title(fields.get("title")),
        authors=authors(names),
        published=day(fields.get("date")),
        language=language(fields.get("lang") or fields.get("language")),
    )


def _flat_yaml(block: str) -> dict[str, Any]:
    """The top-level ``key: value`` pairs of a YAML block, and ``key:`` followed by ``- item``
    lines as a list; no YAML library for the few fields read here (nested values are skipped)."""
    fields: dict[str, Any] = {}
    key = None
    for line in block.split("\n"):
        item = re.match(r"^\s+-\s+(.*)$", line)
        if item and key is not None:
            value = fields.get(key)
            fields[key] = [*(value if isinstance(value, list) else []), _unquote(item.group(1))]
            continue
        pair = _YAML_LINE.match(line)
        if pair:
            key = pair.group(1).lower()
            value = pair.group(2).strip()
            if value.startswith("[") and value.endswith("]"):
                fields[key] = [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
            else:
                fields[key] = _unquote(value) if value else []
    return fields


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
