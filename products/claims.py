# ruff: noqa: RUF001, RUF002 - full-width and CJK punctuation are the subject here
"""The advertising-claim matcher: absolute terms banned by Advertising Law art. 9(3).

Pure Python, no Django: the products app feeds it the maintained term list and phrases
from the database (`ClaimTerm`, `ClaimExemption`); the bench and the unit tests use the
defaults below.

How a text is matched:
1. Normalise, keeping a map from every normalised character back to the original offset:
   NFKC per character (full-width ＢＥＳＴ, Ｎｏ．１ and ％ become ASCII), case folding, and
   removal of "filler" between CJK characters (spaces, zero-width characters, dashes, dots,
   asterisks, emoji...: 最 佳, 最-佳, 最*佳, 最\u200b佳 all read 最佳). Sentence punctuation
   (，。！？) and quotes are kept: they separate clauses and mark quoted award names.
2. Find every term. Chinese terms match as substrings of the normalised text; Latin terms
   (best, No.1, number one) are compiled to patterns with word boundaries and free
   separators between their words.
3. Drop hits inside a *context phrase*: a common expression that contains a term but is not
   a claim (第一次, 第一天, 最佳赏味期, best before, 100%纯棉).
4. Keep the longest of overlapping hits (史上最低价 is one hit, not three).
5. For each hit, look for a *lawful-use* hint (registered trademark mark, official grade or
   designation, a comparison within the merchant's own range, a quoted award name). A hint
   never removes the hit: a person decides, because a hint can be a pretext.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

# --- categories of absolute claims ----------------------------------------------------------
STATE_LEVEL = "state_level"  # 国家级, 世界级: claims of state or world rank
SUPERLATIVE = "superlative"  # 最佳, 最好, best, finest
RANK_FIRST = "rank_first"  # 第一, 首选, No.1, number one
TOP_GRADE = "top_grade"  # 顶级, 极品, 最高级, top-rated
UNIQUENESS = "uniqueness"  # 唯一, 独一无二
ABSOLUTE = "absolute"  # 绝对, 100%, 万能
PRICE = "price"  # 全网最低, 最便宜, lowest price
CATEGORIES = (STATE_LEVEL, SUPERLATIVE, RANK_FIRST, TOP_GRADE, UNIQUENESS, ABSOLUTE, PRICE)

# --- phrase kinds ------------------------------------------------------------------------
CONTEXT = "context"  # not a claim at all: the hit is dropped
TRADEMARK = "trademark"
OFFICIAL_GRADE = "official_grade"
OWN_RANGE = "own_range"
QUOTED_AWARD = "quoted_award"
EXEMPTION_KINDS = (TRADEMARK, OFFICIAL_GRADE, OWN_RANGE, QUOTED_AWARD)
PHRASE_KINDS = (CONTEXT, *EXEMPTION_KINDS)


@dataclass(frozen=True)
class Term:
    text: str
    category: str
    key: object = None  # the caller's id for the term (a database pk)


@dataclass(frozen=True)
class Phrase:
    """A phrase that contains a term: `context` drops hits inside it, the other kinds mark
    them as possibly exempt (a merchant's registered brand name, an official designation)."""

    text: str
    kind: str


@dataclass(frozen=True)
class Hit:
    term: Term
    start: int  # offsets in the original text
    end: int
    matched: str  # the original characters, evasions included
    excerpt: str
    context_key: str  # identifies this claim in its surroundings, stable across other edits
    exemption: str = ""  # one of EXEMPTION_KINDS or ""
    exemption_detail: str = ""  # what suggested it (the mark, the quoted name...)

    @property
    def category(self) -> str:
        return self.term.category


# --- default list --------------------------------------------------------------------------
_DEFAULT_TERMS = {
    STATE_LEVEL: ["国家级", "世界级", "国际级", "宇宙级", "全球级", "国家免检", "world-class"],
    SUPERLATIVE: [
        "最佳",
        "最好",
        "最优",
        "最强",
        "最大",
        "最高",
        "最先进",
        "最优秀",
        "最受欢迎",
        "最畅销",
        "最热销",
        "最专业",
        "最权威",
        "最安全",
        "最正宗",
        "最纯",
        "最舒适",
        "史上最",
        "全网最",
        "全球最",
        "全国最",
        "世界最",
        "best",
        "finest",
        "greatest",
        "ultimate",
        "unbeatable",
        "unrivalled",
        "unrivaled",
        "unparalleled",
    ],
    RANK_FIRST: [
        "第一",
        "首选",
        "销量冠军",
        "排名第一",
        "no.1",
        "number one",
        "#1",
        "top1",
    ],
    TOP_GRADE: [
        "顶级",
        "极品",
        "最高级",
        "最高档",
        "顶尖",
        "至尊",
        "top-rated",
        "top-ranked",
    ],
    UNIQUENESS: ["唯一", "独一无二", "独家", "one and only"],
    ABSOLUTE: ["绝对", "100%", "万能", "零风险", "无敌", "永不"],
    PRICE: [
        "全网最低",
        "最低价",
        "最便宜",
        "史上最低",
        "lowest price",
        "cheapest",
    ],
}
DEFAULT_TERMS: tuple[Term, ...] = tuple(
    Term(text, category) for category, texts in _DEFAULT_TERMS.items() for text in texts
)

_DEFAULT_CONTEXT = [
    # 第一 as an ordinal, not a rank
    "第一次",
    "第一天",
    "第一代",
    "第一步",
    "第一批",
    "第一口",
    "第一眼",
    "第一时间",
    "第一季",
    "第一期",
    "第一章",
    "第一节",
    "第一集",
    "第一届",
    "第一层",
    "第一道",
    "第一印象",
    "第一手",
    "第一周",
    "第一阶段",
    "第一部分",
    "第一年",
    "第一款式",
    # 最佳 on dates and conditions of use
    "最佳赏味期",
    "最佳食用期",
    "最佳饮用期",
    "最佳使用期",
    "最佳品尝期",
    "最佳观赏期",
    "最佳赏味",
    "最佳食用",
    "最佳冲泡温度",
    "最佳效果请",
    # technical maxima and minima are specifications, not rankings
    "最大功率",
    "最大容量",
    "最大承重",
    "最大负载",
    "最大转速",
    "最大输出",
    "最大尺寸",
    "最大电流",
    "最高温度",
    "最高转速",
    "最高时速",
    "最高车速",
    "最低温度",
    "最低气温",
    "最低起订量",
    "最高支持",
    "最大支持",
    "最大化",
    "最大程度",
    "最大限度",
    "最高可达",
    "最好在",
    "最好不要",
    "最好放",
    "最好是在",
    # other fixed expressions
    "绝对值",
    "绝对湿度",
    "绝对压力",
    "绝对零度",
    "唯一码",
    "唯一标识",
    "唯一编码",
    "唯一序列号",
    "唯一识别",
    "顶级域名",
    "永不褪色测试",
    "独家代理授权书",
    "100%棉",
    "100%纯棉",
    "100%羊毛",
    "100%羊绒",
    "100%桑蚕丝",
    "100%真丝",
    "100%亚麻",
    "100%涤纶",
    "100%聚酯纤维",
    "100%果汁",
    "100%纯果汁",
    "best before",
    "best-before",
    "best by",
    "best if used by",
    "best enjoyed",
    "best served",
    "best results",
    "best regards",
    "best wishes",
    "personal best",
    "do your best",
    "best friend",
    "best practice",
    "best practices",
    "at best",
    "best suited",
    "works best",
    "best kept",
    "best when",
    "best stored",
    "100% cotton",
    "100% wool",
    "100% silk",
    "100% linen",
    "100% cashmere",
    "100% polyester",
    "100% merino",
    "100% juice",
]
_DEFAULT_OFFICIAL = [
    "国家级非物质文化遗产",
    "国家级非遗",
    "国家级专精特新",
    "国家级高新技术企业",
    "国家级自然保护区",
    "国家级重点龙头企业",
    "国家级龙头企业",
    "国家级地理标志",
    "国家级质检中心",
    "国家级检测中心",
]
DEFAULT_PHRASES: tuple[Phrase, ...] = (
    *(Phrase(text, CONTEXT) for text in _DEFAULT_CONTEXT),
    *(Phrase(text, OFFICIAL_GRADE) for text in _DEFAULT_OFFICIAL),
)

# --- lawful-use heuristics (on the original text) ------------------------------------------
_TRADEMARK_AFTER = re.compile(
    r"^(?:[^\s，。！？,.!?]{0,4}?\s?(®|™|℠|\(r\)|\(tm\)|（r）|（tm）)|\s?(牌|商标)"
    r"|[^。！？!?\n]{0,10}?(注册商标|registered trademark))",
    re.IGNORECASE,
)
_STANDARD_NEAR = re.compile(
    r"(GB/?T?\s*\d|[A-Z]{2}/T\s*\d|国家标准|行业标准|执行标准|质量等级|认证证书|"
    r"证书编号|能效|医疗器械)",
    re.IGNORECASE,
)
_OWN_RANGE_BEFORE = re.compile(
    r"(本店|店内|全店|本品牌|本系列|本公司|自家|我店|店铺内|本产品线|我们家|"
    r"\bour\b|\bmy\b)[^。！？!?.\n]{0,8}$",
    re.IGNORECASE,
)
_OWN_RANGE_AFTER = re.compile(
    r"^[^。！？!?\n]{0,12}?(（本店|\(本店|本店内|店内|本系列|"
    r"in\s+(our|this)\s+(store|shop|range|line|lineup|collection|catalog(ue)?|series))",
    re.IGNORECASE,
)
_AWARD_WORDS = re.compile(
    r"(奖|荣获|获得|获评|评为|评选|荣誉|称号|award|awarded|winner|prize|voted)", re.IGNORECASE
)
_QUOTES = {"“": "”", "「": "」", "『": "』", "《": "》", '"': '"', "‘": "’", "〈": "〉"}

# --- normalisation --------------------------------------------------------------------------
_KEEP_PUNCT = set("，。！？；：、,!?;:") | set(_QUOTES) | set(_QUOTES.values())
_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
)


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    if ch in "’‘′`":
        return "'"
    if ch in "®™℠":  # NFKC would spell ™ as "TM" and glue it to the word it marks
        return ch
    return unicodedata.normalize("NFKC", ch).casefold()


@lru_cache(maxsize=8192)
def _is_filler(ch: str) -> bool:
    if ch in _KEEP_PUNCT:
        return False
    if ch.isspace():
        return True
    category = unicodedata.category(ch)
    return category in {"Cf", "Pd", "Pc", "Po", "Sk", "So", "Sm", "Mn", "Me"}


@dataclass
class Normalised:
    text: str
    origin: list[int]  # origin[i]: offset in the original text of normalised char i

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def normalise(text: str) -> Normalised:
    """Fold width and case and remove filler between CJK characters, keeping the offsets."""
    chars: list[str] = []
    origin: list[int] = []
    if text.isascii():
        return Normalised(text.lower(), list(range(len(text))))
    for index, ch in enumerate(text):
        for folded in _fold(ch):
            chars.append(folded)
            origin.append(index)
    # Drop runs of filler that sit between two CJK characters.
    keep = [True] * len(chars)
    i = 0
    length = len(chars)
    while i < length:
        if _is_filler(chars[i]):
            j = i
            while j < length and _is_filler(chars[j]):
                j += 1
            if i > 0 and j < length and _is_cjk(chars[i - 1]) and _is_cjk(chars[j]):
                for k in range(i, j):
                    keep[k] = False
            i = j
        else:
            i += 1
    if all(keep):
        return Normalised("".join(chars), origin)
    return Normalised(
        "".join(c for c, k in zip(chars, keep, strict=True) if k),
        [o for o, k in zip(origin, keep, strict=True) if k],
    )


def _fold_text(text: str) -> str:
    return normalise(text).text


def _pattern(text: str) -> str:
    """A regex for one term or phrase over normalised text."""
    folded = _fold_text(text.strip())
    if not folded:
        raise ValueError("empty term")
    if not any(c.isascii() and c.isalnum() for c in folded):
        return re.escape(folded)  # Chinese (and symbols): exact, evasions are normalised away
    parts = []
    for token in re.findall(r"[a-z]+|[0-9]+|[^\sa-z0-9'\-_.]", folded):
        if parts:
            parts.append(r"[\s\-_.'·*]*")
        parts.append(re.escape(token))
    body = "".join(parts)
    if folded[0].isascii() and folded[0].isalnum():
        body = r"(?<![a-z0-9])" + body
    if folded[-1].isascii() and folded[-1].isalnum():
        body += r"(?![a-z0-9])"
    elif folded.endswith("%"):
        body = r"(?<![0-9.])" + body
    return body


def _literal(text: str) -> str:
    """A piece of normalised text that every match of the pattern for `text` contains."""
    folded = _fold_text(text.strip())
    if not any(c.isascii() and c.isalnum() for c in folded):
        return folded
    return max(re.findall(r"[a-z]+|[0-9]+", folded), key=len)


@dataclass
class Matcher:
    terms: tuple[Term, ...] = DEFAULT_TERMS
    phrases: tuple[Phrase, ...] = DEFAULT_PHRASES
    _term_patterns: list = field(init=False, repr=False)
    _phrase_patterns: list = field(init=False, repr=False)

    def __post_init__(self):
        self.terms = tuple(self.terms)
        self.phrases = tuple(self.phrases)
        # Each pattern with a literal its every match contains: a substring test (C speed)
        # skips most patterns for most texts.
        self._term_patterns = [
            (term, _literal(term.text), re.compile(_pattern(term.text))) for term in self.terms
        ]
        self._phrase_patterns = [
            (phrase, _literal(phrase.text), re.compile(_pattern(phrase.text)))
            for phrase in self.phrases
        ]
        # A cheap first pass: most texts contain no term at all.
        self._any = re.compile("|".join(f"(?:{p.pattern})" for _, _, p in self._term_patterns))

    def scan(self, text: str) -> list[Hit]:
        if not text:
            return []
        norm = normalise(text)
        if not self._any.search(norm.text):
            return []
        found = []
        for term, literal, pattern in self._term_patterns:
            if literal not in norm.text:
                continue
            for match in pattern.finditer(norm.text):
                found.append((match.start(), match.end(), term))
        if not found:
            return []
        phrase_spans = [
            (m.start(), m.end(), phrase)
            for phrase, literal, pattern in self._phrase_patterns
            if literal in norm.text
            for m in pattern.finditer(norm.text)
        ]
        # Longest first at each position, then drop hits overlapping a kept one.
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
        kept: list[tuple[int, int, Term]] = []
        for start, end, term in found:
            if kept and start < kept[-1][1]:
                continue
            if any(p.kind == CONTEXT and ps <= start and end <= pe for ps, pe, p in phrase_spans):
                continue
            kept.append((start, end, term))
        return [self._hit(text, norm, start, end, term, phrase_spans) for start, end, term in kept]

    def _hit(self, text, norm, start, end, term, phrase_spans) -> Hit:
        o_start, o_end = norm.span(start, end)
        window = _clause(norm.text, start, end)
        exemption, detail = "", ""
        for ps, pe, phrase in phrase_spans:
            if phrase.kind != CONTEXT and ps <= start and end <= pe:
                exemption, detail = phrase.kind, phrase.text
                break
        if not exemption:
            exemption, detail = lawful_use_hint(text, o_start, o_end)
        return Hit(
            term=term,
            start=o_start,
            end=o_end,
            matched=text[o_start:o_end],
            excerpt=excerpt(text, o_start, o_end),
            context_key=hashlib.sha1(  # noqa: S324 - an identity, not a secret
                f"{term.text}\x00{window}".encode()
            ).hexdigest()[:16],
            exemption=exemption,
            exemption_detail=detail,
        )


_CLAUSE_BREAK = re.compile(r"[，。！？；：、,!?;:\n]|\.\s")


def _clause(text: str, start: int, end: int, around: int = 8) -> str:
    """The hit and up to `around` characters each side, not crossing a clause break."""
    left = max(0, start - around)
    for match in _CLAUSE_BREAK.finditer(text, left, start):
        left = match.end()
    right = min(len(text), end + around)
    stop = _CLAUSE_BREAK.search(text, end, right)
    if stop:
        right = stop.start()
    return text[left:right]


def excerpt(text: str, start: int, end: int, around: int = 20) -> str:
    left = max(0, start - around)
    right = min(len(text), end + around)
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


def _inside_quotes(text: str, start: int, end: int) -> str:
    """The quoted segment around [start, end), or ""."""
    for opening, closing in _QUOTES.items():
        left = text.rfind(opening, 0, start)
        if left < 0:
            continue
        if opening == closing and text.count(opening, 0, start) % 2 == 0:
            continue
        if opening != closing and text.find(closing, left + 1, start) >= 0:
            continue
        right = text.find(closing, end)
        if right >= 0 and right - left <= 60:
            return text[left : right + 1]
    return ""


def lawful_use_hint(text: str, start: int, end: int) -> tuple[str, str]:
    """Why the claim at [start, end) may be lawful, as (kind, detail), or ("", "")."""
    after = text[end : end + 24]
    mark = _TRADEMARK_AFTER.match(after)
    if mark:
        return TRADEMARK, next(g for g in mark.groups() if g)
    quoted = _inside_quotes(text, start, end)
    if quoted:
        around = text[max(0, start - 25) : end + 25]
        if _AWARD_WORDS.search(around):
            return QUOTED_AWARD, quoted
    before = text[max(0, start - 16) : start]
    own = _OWN_RANGE_BEFORE.search(before) or _OWN_RANGE_AFTER.match(text[end : end + 40])
    if own:
        return OWN_RANGE, own.group(1)
    standard = _STANDARD_NEAR.search(text[max(0, start - 10) : end + 10])
    if standard:
        return OFFICIAL_GRADE, standard.group(1)
    return "", ""


@lru_cache(maxsize=1)
def default_matcher() -> Matcher:
    return Matcher()


def scan(text: str, matcher: Matcher | None = None) -> list[Hit]:
    return (matcher or default_matcher()).scan(text)


def validate_phrase(text: str) -> str:
    """The text an admin typed for a term or phrase, checked: raises ValueError if unusable."""
    cleaned = " ".join(text.split())
    _pattern(cleaned)
    return cleaned


def scan_fields(fields: Iterable[tuple[str, str]], matcher: Matcher | None = None):
    """[(field, text)] -> [(field, hit)] in field order."""
    matcher = matcher or default_matcher()
    return [(name, hit) for name, text in fields for hit in matcher.scan(text or "")]
