# ruff: noqa: RUF001 - full-width and CJK punctuation are the subject here
"""The pure matcher: evasions, context exceptions, lawful-use hints, and the corpus."""

import pytest

from bench.claims_precision import evaluate
from products import claims
from products.claims import Matcher, Phrase, Term, normalise, scan
from tests.products.claims_corpus import CORPUS


def terms(text):
    return [h.term.text for h in scan(text)]


def test_corpus_has_at_least_sixty_labelled_cases_in_both_languages():
    assert len(CORPUS) >= 60
    assert any(c.text.isascii() for c in CORPUS)
    assert sum(c.flag for c in CORPUS) >= 30
    assert sum(not c.flag for c in CORPUS) >= 20


def test_precision_and_recall_on_the_corpus_stay_above_the_quoted_figures():
    result = evaluate()
    assert result["precision"] >= 0.95
    assert result["recall"] >= 0.95
    assert result["hint_accuracy"] >= 0.95


@pytest.mark.parametrize(
    "text",
    [
        "最 佳口感",
        "最-佳口感",
        "最*佳口感",
        "最\u200b佳口感",
        "最　佳口感",
        "最·佳口感",
        "最🔥佳口感",
    ],
)
def test_spacing_and_punctuation_between_chinese_characters_do_not_hide_a_term(text):
    assert terms(text) == ["最佳"]


@pytest.mark.parametrize("text", ["ＮＯ．１耳机", "No.1 earbuds", "no 1 earbuds", "Ｎｏ1耳机"])
def test_full_width_and_mixed_case_no_1_is_found(text):
    assert terms(text) == ["no.1"]


def test_full_width_latin_and_percent_are_folded():
    assert terms("ＢＥＳＴ choice") == ["best"]
    assert terms("１００％纯天然") == ["100%"]


def test_hit_span_points_at_the_original_characters_evasion_included():
    text = "新款 最 - 佳 护眼灯"
    (hit,) = scan(text)
    assert text[hit.start : hit.end] == "最 - 佳"
    assert hit.matched == "最 - 佳"
    assert hit.category == claims.SUPERLATIVE


@pytest.mark.parametrize(
    "text",
    [
        "第一次购买",
        "第一天到货",
        "第一代产品",
        "开封后最佳赏味期7天",
        "最大功率2000W",
        "100%纯棉",
        "Best before 2025-01-01",
        "For best results, shake well",
        "100% cotton tee",
        "Model No.12 filter",
        "每件有唯一码",
    ],
)
def test_phrases_that_only_look_like_claims_are_not_flagged(text):
    assert scan(text) == []


def test_a_claim_next_to_an_excepted_phrase_is_still_found():
    assert terms("第一次买就发现是全网第一") == ["第一"]


def test_overlapping_terms_give_one_hit_for_the_longest():
    assert terms("史上最低价") == ["史上最低"]
    assert terms("全网最低价 电动牙刷") == ["全网最低"]


def test_words_containing_a_latin_term_are_not_hits():
    assert scan("bestseller list") == []
    assert scan("The finestra window") == []
    assert terms("best-selling") == ["best"]


def test_percent_claims_need_exactly_one_hundred():
    assert scan("1000% more fun") == []
    assert terms("100 % effective") == ["100%"]


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        ("顶级®保温杯", claims.TRADEMARK, "®"),
        ("第一坊™ 挂面", claims.TRADEMARK, "™"),
        ("国家级非物质文化遗产 青花瓷", claims.OFFICIAL_GRADE, "国家级非物质文化遗产"),
        ("本店销量第一的卫衣", claims.OWN_RANGE, "本店"),
        ("Our best blender yet", claims.OWN_RANGE, "Our"),
        ("荣获“中国最佳茶叶品牌”奖", claims.QUOTED_AWARD, "“中国最佳茶叶品牌”"),
    ],
)
def test_lawful_uses_are_still_hits_but_carry_the_reason_they_may_be_exempt(text, kind, detail):
    (hit,) = scan(text)
    assert hit.exemption == kind
    assert hit.exemption_detail == detail


def test_a_quoted_term_without_an_award_is_not_called_an_award():
    (hit,) = scan("“最佳”口感")
    assert hit.exemption == ""


def test_custom_terms_and_phrases_replace_the_defaults():
    matcher = Matcher(
        terms=[Term("冠军", claims.RANK_FIRST, key=7)],
        phrases=[Phrase("冠军杯", claims.CONTEXT), Phrase("冠军牌", claims.TRADEMARK)],
    )
    assert matcher.scan("最佳") == []
    assert matcher.scan("冠军杯足球") == []
    (hit,) = matcher.scan("冠军牌 羽毛球拍")
    assert (hit.term.key, hit.exemption) == (7, claims.TRADEMARK)


def test_context_key_is_stable_when_text_elsewhere_changes_and_differs_when_the_phrase_does():
    (a,) = scan("秋季新款 销量第一 卫衣")
    (b,) = scan("秋季新款 销量第一 卫衣，加绒加厚，多色可选")
    (c,) = scan("秋季新款 全国第一 卫衣")
    assert a.context_key == b.context_key
    assert a.context_key != c.context_key


def test_normalise_maps_every_character_back_to_its_origin():
    text = "Ａ 最 佳 b"
    norm = normalise(text)
    assert norm.text == "a 最佳 b"
    assert [text[i] for i in norm.origin] == ["Ａ", " ", "最", "佳", " ", "b"]


def test_empty_terms_are_refused():
    with pytest.raises(ValueError):
        claims.validate_phrase("   ")
