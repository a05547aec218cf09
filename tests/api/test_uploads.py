"""Upload names: whatever a client sends, the file lands inside the upload folder, typed."""

from __future__ import annotations

import pytest

from api.uploads import UploadRejected, clean_title, safe_filename


@pytest.mark.parametrize(
    ("given", "saved"),
    [
        ("report.txt", "report.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/var/lib/secret.md", "secret.md"),
        ("C:\\Users\\ana\\Desktop\\Notes 2021 (final).PDF", "Notes-2021-final.pdf"),
        ("Résumé du rapport.txt", "Resume-du-rapport.txt"),
        ("...hidden.txt", "hidden.txt"),
        ("..txt", "upload.txt"),
        ("x" * 300 + ".md", "x" * 117 + ".md"),
        # Any script: transliterated, the type from the suffix (issue 14).
        ("Отчёт о тракторах.txt", "Otchet-o-traktorakh.txt"),
        ("Доклад о калии.txt", "Doklad-o-kalii.txt"),
        ("доклад.txt", "doklad.txt"),
        ("报告.txt", "BaoGao.txt"),
        ("отчёт-2021.txt", "otchet-2021.txt"),
        ("تقرير.PDF", "tqryr.pdf"),
        # E-mail (issue 13).
        ("Доклад редакции.eml", "Doklad-redaktsii.eml"),
        ("Re: sources.MSG", "Re-sources.msg"),
    ],
)
def test_names_are_reduced_to_a_safe_basename(given: str, saved: str) -> None:
    assert safe_filename(given) == saved


@pytest.mark.parametrize(
    ("given", "status"),
    [("evil\x00.txt", 400), ("", 400), (None, 400), ("tool.exe", 415), ("notes", 415)],
)
def test_bad_names_are_refused(given: str | None, status: int) -> None:
    with pytest.raises(UploadRejected) as refused:
        safe_filename(given)
    assert refused.value.status_code == status


def test_a_stem_with_nothing_to_keep_becomes_a_hash_of_the_name() -> None:
    first, second = safe_filename("\u200b\u200b.txt"), safe_filename("\u200c.txt")
    assert first.startswith("upload-") and second.startswith("upload-") and first != second


def test_titles_are_one_clean_line() -> None:
    assert clean_title("  Wisent\ncensus\t2023\x07 ") == "Wisent census 2023"
    assert clean_title("   ") is None
    with pytest.raises(UploadRejected):
        clean_title("t" * 301)
