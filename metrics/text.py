"""Words of survey comments, in every language, offline: language detection and tokenising.

Each language goes through the best analyser that ships its model in its wheel (nothing is
downloaded at run time): Korean through Kiwi (morphemes: nouns, verb and adjective stems),
Japanese through Sudachi (dictionary forms), Chinese through jieba, Thai through PyThaiNLP's
dictionary segmenter; every other language through a Unicode word pattern. Stop words come from
stopwords-iso. The libraries load on first use, not on import: most page views never need them.

A comment's language is the one the data gives it (its ticket's conversation language); only
when that is missing is it detected (py3langid), and a guess below ``CONFIDENT`` falls back to
the corpus's most common confidently detected language.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache

UNKNOWN = "und"  # ISO 639-2 "undetermined"
CONFIDENT = 0.8  # a detected language below this probability is not trusted on its own
MAX_CHARS = 2000  # longer comments are cut: a pasted log must not stall the analysers
_lock = threading.Lock()  # the analysers are loaded once, by one thread


# ---------------------------------------------------------------- language
@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """The most likely language of ``text`` (ISO 639-1) and its probability."""
    with _lock:
        identifier = _identifier()
    language, probability = identifier.classify(clean(text))
    return language, float(probability)


def comment_languages(texts: Sequence[str], given: Sequence[str | None]) -> list[str]:
    """Each comment's language: the given one, else a confident detection, else the corpus's
    most common confident detection (``UNKNOWN`` when nothing is confident)."""
    languages: list[str | None] = []
    for text, language in zip(texts, given, strict=True):
        if language and language != UNKNOWN:
            languages.append(language)
            continue
        detected, probability = detect(text)
        languages.append(detected if probability >= CONFIDENT else None)
    confident = Counter(lang for lang, known in zip(languages, given, strict=True)
                        if lang and not known)  # fmt: skip
    fallback = confident.most_common(1)[0][0] if confident else UNKNOWN
    return [lang or fallback for lang in languages]


# ---------------------------------------------------------------- tokens
def _word_pattern() -> re.Pattern[str]:
    """Runs of letters and combining marks (Devanagari and Thai vowel signs are marks, which
    ``\\w`` leaves out). Apostrophes split (l'agent → l, agent; the one letter is dropped)."""
    marks = "".join(c for c in map(chr, range(0x300, 0x10000))
                    if unicodedata.category(c) in ("Mn", "Mc", "Me"))  # fmt: skip
    letter = f"(?:[^\\W\\d_]|[{re.escape(marks)}])"
    return re.compile(f"{letter}+")


_WORD = _word_pattern()


@cache
def _invisible() -> dict[int, str]:
    """Control and format characters (NUL, bidi overrides, zero-width joiners, ...) to spaces."""
    return {c: " " for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cf")}


def clean(text: str, form: str = "NFKC") -> str:
    """Normalised text (NFKC folds full-width letters and half-width kana; Thai needs NFC, as
    NFKC splits its vowel sara am) without control or format characters, cut at
    ``MAX_CHARS``."""
    return unicodedata.normalize(form, str(text)[:MAX_CHARS]).translate(_invisible())


# Grammar the analysers keep as content words: light verbs and copulas in dictionary form.
EXTRA_STOP_WORDS = {
    "ko": {"하다", "되다", "이다", "있다", "같다", "주다", "드리다", "받다", "않다", "그렇다"},
    "ja": {"する", "なる", "ある", "いる", "できる", "くる", "いう", "おる", "れる", "られる"},
}


@cache
def stop_words(language: str) -> frozenset[str]:
    """stopwords-iso's list for ``language`` (empty when it has none) and ``EXTRA_STOP_WORDS``."""
    import stopwordsiso

    listed = stopwordsiso.stopwords(language) if stopwordsiso.has_lang(language) else set()
    return frozenset(listed) | EXTRA_STOP_WORDS.get(language, set())


def _keep(term: str, stops: frozenset[str], shortest: int = 2) -> bool:
    return len(term) >= shortest and term not in stops and not term.isdigit()


TURKIC_CAPITALS = str.maketrans({"İ": "i", "I": "ı"})  # dotted and dotless i (tr, az)


def _words(texts: Sequence[str], language: str) -> list[list[str]]:
    stops = stop_words(language)
    turkic = language in ("tr", "az")
    return [[w for w in _WORD.findall(
        (clean(t).translate(TURKIC_CAPITALS) if turkic else clean(t)).casefold())
        if _keep(w, stops)] for t in texts]  # fmt: skip


@cache
def _kiwi():
    from kiwipiepy import Kiwi

    return Kiwi()


KOREAN_TAGS = {"NNG": "", "NNP": "", "XR": "", "SL": "", "VV": "다", "VA": "다"}  # tag: suffix


def _korean(texts: Sequence[str]) -> list[list[str]]:
    """Nouns, roots and foreign words as written, verb and adjective stems in their dictionary
    form (찢어지 → 찢어지다)."""
    with _lock:
        kiwi = _kiwi()
    stops = stop_words("ko")
    result = []
    for tokens in kiwi.tokenize([clean(t) for t in texts]):
        terms = [(t.form.casefold() if t.tag == "SL" else t.form) + KOREAN_TAGS[t.tag]
                 for t in tokens if t.tag in KOREAN_TAGS]  # fmt: skip
        # one syllable can be a whole noun (앱, 돈): the tags already dropped the particles
        result.append([term for term in terms if _keep(term, stops, shortest=1)])
    return result


@cache
def _sudachi():
    from sudachipy import Dictionary, SplitMode

    return Dictionary().tokenizer(mode=SplitMode.C)  # longest units: 返金手続き, not 返金 + 手続き


JAPANESE_KEPT = {"名詞", "動詞", "形容詞"}
JAPANESE_DROPPED = {"数詞", "代名詞", "非自立可能"}


def _japanese(texts: Sequence[str]) -> list[list[str]]:
    """Nouns, verbs and adjectives in dictionary form (起動しなくて → 起動, する)."""
    with _lock:
        tokenizer = _sudachi()
    stops = stop_words("ja")
    result = []
    for text in texts:
        terms = []
        for m in tokenizer.tokenize(clean(text)):
            pos = m.part_of_speech()
            if pos[0] in JAPANESE_KEPT and not JAPANESE_DROPPED.intersection(pos[1:3]):
                terms.append(m.dictionary_form())
        result.append([t for t in terms if _keep(t, stops) and not _is_kana_particle(t)])
    return result


def _is_kana_particle(term: str) -> bool:
    """One or two hiragana only (する, ある, いる...): grammar, not a subject."""
    return len(term) <= 2 and all("\u3040" <= c <= "\u309f" for c in term)


@cache
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _chinese(texts: Sequence[str]) -> list[list[str]]:
    """jieba's words of two or more characters (single characters are mostly particles)."""
    with _lock:
        jieba = _jieba()
    stops = stop_words("zh")
    return [[w for w in jieba.lcut(clean(t)) if _WORD.fullmatch(w) and _keep(w, stops)]
            for t in texts]  # fmt: skip


@cache
def _thai_words():  # PyThaiNLP's dictionary as a trie, built once (slow to build)
    from pythainlp.corpus.common import thai_words
    from pythainlp.util import dict_trie

    return dict_trie(thai_words())


def _thai(texts: Sequence[str]) -> list[list[str]]:
    """PyThaiNLP's dictionary-based maximal matching (newmm); Thai writes no spaces."""
    from pythainlp.tokenize import word_tokenize

    with _lock:
        words = _thai_words()
    stops = stop_words("th")
    return [[w for w in word_tokenize(clean(t, "NFC"), custom_dict=words, engine="newmm",
                                      keep_whitespace=False)
             if _WORD.fullmatch(w) and _keep(w, stops)] for t in texts]  # fmt: skip


ANALYSERS: dict[str, Callable[[Sequence[str]], list[list[str]]]] = {
    "ko": _korean,
    "ja": _japanese,
    "zh": _chinese,
    "th": _thai,
}


def terms(texts: Sequence[str], language: str) -> list[list[str]]:
    """The content words of each text in ``language``, in order (repeats kept). Each distinct
    text is analysed once ("Thank you!" is written thousands of times)."""
    base = language.split("-")[0].casefold()
    analyse = ANALYSERS.get(base) or (lambda distinct: _words(distinct, base))
    distinct = list(dict.fromkeys(texts))
    words = dict(zip(distinct, analyse(distinct), strict=True))
    return [words[t] for t in texts]
