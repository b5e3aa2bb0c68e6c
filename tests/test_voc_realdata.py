"""Real Portuguese reviews (Olist, ../shared/realdata) through the importer and the voice
analysis: the data gives no language, so it is detected; the drivers of low scores are what
these customers complain of (read in the README: items not received, wrong or missing, refunds
and returns, no answer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_access.database import Database
from data_access.filters import Filter
from data_access.importer import import_file, load_mapping, privacy, saved_mappings
from metrics import voc_drivers, voc_topics
from tests.importer_helpers import KEY, OLIST

pytestmark = pytest.mark.skipif(not OLIST.exists(), reason="real-data samples not available")
# Words a Portuguese reader finds in complaints about an order (não is a stop word, so "não
# recebi" counts as recebi): received, bought, order, wrong, came, answer, paid, money, return,
# missing, waiting, terrible, defect, exchange, deliver, contact, different, cancellation
COMPLAINTS = {"recebi", "comprei", "pedido", "errado", "veio", "resposta", "paguei", "dinheiro",
              "devolução", "faltando", "aguardando", "péssimo", "defeito", "troca", "entregar",
              "contato", "diferente", "cancelamento", "consigo", "pedi"}  # fmt: skip
# ... and in praise: recommend, (on) time, great, excellent, fast, delivery, quality,
# congratulations, perfect, arrived, loved, as forecast, ok, beautiful, liked, satisfied, right,
# as expected, well packed
PRAISE = {"recomendo", "prazo", "ótimo", "otimo", "ótima", "super", "excelente", "rápida",
          "rápido", "entrega", "qualidade", "parabéns", "perfeito", "chegou", "adorei", "amei",
          "previsto", "ok", "satisfeita", "satisfeito", "lindo", "bonito", "gostei", "certo",
          "certinho", "esperado", "embalado", "conforme", "atendimento"}  # fmt: skip


@pytest.fixture(scope="module")
def olist(tmp_path_factory: pytest.TempPathFactory) -> Database:
    path = tmp_path_factory.mktemp("olist") / "olist.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(privacy.KEY_ENV, KEY)
        mapping = load_mapping(saved_mappings()["olist_order_reviews"])
        import_file("surveys", OLIST, path, mapping)
    return Database(Path(path))


def test_the_language_is_detected(olist):
    languages = voc_topics.corpus(olist).comments["language"].value_counts()
    assert languages.index[0] == "pt" and languages["pt"] / languages.sum() > 0.99
    assert set(voc_topics.corpus(olist).models) == {"pt"}


def test_drivers_of_low_scores_are_what_customers_complain_of(olist):
    found = voc_drivers.drivers(olist, Filter(), "pt")
    assert found.tested and found.low_comments > 400 and found.high_comments > 1000
    significant = found.words[found.words["significant"]]
    low = significant[significant["log_odds"] > 0]["term"].head(20).tolist()
    high = significant[significant["log_odds"] < 0]["term"].tolist()
    assert len(set(low) & COMPLAINTS) >= 15, low
    assert set(high) <= PRAISE and len(high) >= 15, high
    assert low[0] == "recebi"  # "não recebi": the order never arrived


def test_unhappy_customers_write_about_products_not_received(olist):
    view = voc_topics.topics(olist, Filter())
    assert view.mood == "unhappy" and view.comments == view.moods["unhappy"] > 800
    words = {w for terms in view.table["terms"] for w in terms}
    assert {"produto", "recebi"} <= words
    assert (view.table["score"] < 2.5).all()  # CSAT 1-3 comments, mostly 1
    happy = voc_topics.topics(olist, Filter(), mood="happy")
    assert (happy.table["score"] > 4.5).all()
    assert {"prazo", "recomendo"} <= {w for terms in happy.table["terms"] for w in terms}
    for examples in [*view.examples.values(), *happy.examples.values()]:
        assert all("@" not in e for e in examples)  # contact details masked
