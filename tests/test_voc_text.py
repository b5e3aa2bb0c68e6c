"""Words of comments in each language family, language detection, and the driver statistics,
worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse

from metrics import text
from metrics.voc_drivers import weighted_log_odds
from metrics.voc_topics import npmi_coherence


@pytest.mark.parametrize(("language", "comment", "expected"), [
    # Latin script: case folded, accents kept, stop words ("ainda", "estou", "o", "não") and
    # digits out
    ("pt", "Ainda estou ESPERANDO o reembolso! Não recebi o produto 123",
     ["esperando", "reembolso", "recebi", "produto"]),
    # French elision: the apostrophe splits, the one-letter article goes
    ("fr", "J'attends toujours mon remboursement, l'agent", ["attends", "remboursement", "agent"]),
    # Turkish capitals: İ is i and I is ı (casefold alone would make 'i̇' and 'i')
    ("tr", "İADE IŞIK", ["iade", "ışık"]),
    # Korean (Kiwi): nouns as written, verb and adjective stems in dictionary form, particles and
    # endings out; "하다"-type light verbs are stop words
    ("ko", "택배 상자가 찢어져서 도착했어요. 환불은 언제 되나요?",
     ["택배", "상자", "찢어지다", "도착", "환불"]),
    ("ko", "앱이 안 열려서 돈만 날렸어요", ["앱", "열리다", "돈", "날리다"]),  # one-syllable nouns
    # Japanese (Sudachi): dictionary forms of nouns, verbs, adjectives; する/ない/です out
    ("ja", "アプリが起動しなくて、ログインできませんでした。", ["アプリ", "起動", "ログイン"]),
    # Chinese (jieba): words of two or more characters; 到账 splits into single characters,
    # which go with the punctuation
    ("zh", "退款到现在还没有到账，客服也不回复。", ["退款", "现在", "没有", "客服", "回复"]),
    # Thai (newmm): no spaces in the text, words found by the dictionary; sara am (ำ) kept
    # whole (NFKC would split ชำระ, "pay")
    ("th", "ยังไม่ได้รับเงินคืนเลย", ["รับเงิน", "คืน"]),
    ("th", "ชำระเงินไม่ได้", ["ชำระเงิน"]),
    # Devanagari vowel signs are combining marks: the words stay whole
    ("hi", "मुझे अभी तक रिफंड नहीं मिला", ["मुझे", "रिफंड", "मिला"]),
])  # fmt: skip
def test_each_language_family_gets_its_words(language, comment, expected):
    assert text.terms([comment], language) == [expected]


HOSTILE = [
    "",
    "   ",
    "\x00\x00refund\x00",  # NUL bytes
    "\u202erefund\u202c \u200bwaiting",  # bidi override, zero-width space
    "<script>alert('refund')</script>",
    '=HYPERLINK("http://evil")',
    "🙂" * 50,
    "refund " * 5000,  # 35,000 characters
]


@pytest.mark.parametrize("language", ["en", "ko", "ja", "zh", "th"])
def test_hostile_text_gives_words_or_nothing(language):
    result = text.terms(HOSTILE, language)
    assert len(result) == len(HOSTILE)
    assert result[0] == result[1] == [] and result[6] == []
    for words in result:
        assert all(isinstance(w, str) and w and "\x00" not in w and "\u202e" not in w
                   for w in words)  # fmt: skip
    assert len(result[-1]) <= text.MAX_CHARS  # the long comment is cut, not analysed whole


def test_hostile_latin_words():
    result = text.terms(HOSTILE, "en")
    assert result[2] == ["refund"] and result[3] == ["refund", "waiting"]
    assert result[4] == ["script", "alert", "refund", "script"]


def test_the_data_s_language_wins_and_detection_fills_the_gaps():
    comments = [
        "Ainda estou esperando o reembolso do meu pedido, ninguém responde.",  # pt, detected
        "택배 상자가 찢어져서 도착했어요. 환불은 언제 되나요?",  # ko, detected
        "Ainda estou esperando o reembolso do meu pedido.",  # given: the data says Spanish
        "ok",  # too short to detect with confidence: the corpus's usual language
    ]
    languages = text.comment_languages(comments, [None, None, "es", None])
    assert languages == ["pt", "ko", "es", "pt"]


def test_nothing_detectable_is_undetermined():
    assert text.comment_languages(["ok", "!!"], [None, None]) == [text.UNKNOWN, text.UNKNOWN]


def test_weighted_log_odds_by_hand():
    # Two words; low scores: 8 x "refund", 2 x "thanks" (n = 10); high: 2 and 8 (n = 10);
    # prior 1 pseudo-count each (a0 = 2).
    # refund: log((8+1)/(10+2-8-1)) - log((2+1)/(10+2-2-1)) = log(9/3) - log(3/9) = 2 log 3
    # variance 1/(8+1) + 1/(2+1) = 4/9, so se = 2/3
    delta, se = weighted_log_odds(np.array([8, 2]), np.array([2, 8]), np.array([1, 1]))
    assert delta[0] == pytest.approx(2 * math.log(3))
    assert delta[1] == pytest.approx(-2 * math.log(3))
    assert se[0] == pytest.approx(2 / 3) and se[1] == pytest.approx(2 / 3)


def test_npmi_coherence_by_hand():
    # four comments x three words: a and b always together (comments 1, 2); c alone in 3, 4
    present = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]]))
    # p(a) = p(b) = 1/2, p(a,b) = 1/2: pmi = log(2), npmi = log 2 / -log(1/2) = 1
    assert npmi_coherence(present, [[0, 1]]) == pytest.approx(1.0)
    # a and c never together: -1
    assert npmi_coherence(present, [[0, 2]]) == pytest.approx(-1.0)
    # mean over topics' pairs: (1 + -1) / 2
    assert npmi_coherence(present, [[0, 1], [0, 2]]) == pytest.approx(0.0)
    # independent words: a in 1, 2; d in 1, 3 -> p(a,d) = 1/4 = p(a) p(d): npmi 0
    independent = sparse.csr_matrix(np.array([[1, 1], [1, 0], [0, 1], [0, 0]]))
    assert npmi_coherence(independent, [[0, 1]]) == pytest.approx(0.0)
