"""Synthetic English-like text for the benchmark corpora (no downloads).

An embedded list of a few hundred common words is expanded with suffixed
forms, invented words, numbers and non-ASCII tokens, and drawn with Zipf-like
frequencies. Sentences are made once into a pool; messages and documents are
assembled from the pool, which keeps generation fast (hundreds of MB/s of
output would need C; this reaches tens of MB/s) while lines stay distinct.
"""

from __future__ import annotations

import itertools
import math
import random

COMMON = """
the of and to a in is it you that he was for on are with as I his they be at one have
this from or had by hot word but what some we can out other were all there when up use
your how said an each she which do their time if will way about many then them write
would like so these her long make thing see him two has look more day could go come did
number sound no most people my over know water than call first who may down side been now
find any new work part take get place made live where after back little only round man
year came show every good me give our under name very through just form sentence great
think say help low line differ turn cause much mean before move right boy old too same tell
does set three want air well also play small end put home read hand port large spell add
even land here must big high such follow act why ask men change went light kind off need
house picture try us again animal point mother world near build self earth father head
stand own page should country found answer school grow study still learn plant cover food
sun four between state keep eye never last let thought city tree cross farm hard start
might story saw far sea draw left late run while press close night real life few north
open seem together next white children begin got walk example ease paper group always
music those both mark often letter until mile river car feet care second book carry took
science eat room friend began idea fish mountain stop once base hear horse cut sure watch
color face wood main enough plain girl usual young ready above ever red list though feel
talk bird soon body dog family direct pose leave song measure door product black short
numeral class wind question happen complete ship area half rock order fire south problem
piece told knew pass since top whole king space heard best hour better true during hundred
five remember step early hold west ground interest reach fast verb sing listen six table
travel less morning ten simple several vowel toward war lay against pattern slow center
love person money serve appear road map rain rule govern pull cold notice voice unit power
town fine certain fly fall lead cry dark machine note wait plan figure star box noun field
rest correct able pound done beauty drive stood contain front teach week final gave green
quick develop ocean warm free minute strong special mind behind clear tail produce fact
data model train function value error file system user assistant response prompt token
""".split()
SUFFIXES = ("s", "ed", "ing", "ly", "er", "ness", "able", "ment")
SYLLABLES = ("ka", "lo", "mi", "ter", "an", "so", "vel", "ri", "pon", "da", "ex", "ul", "ba", "cor")
NON_ASCII = (
    "café",
    "naïve",
    "Zürich",
    "façade",
    "über",
    "résumé",
    "日本語",
    "中文",
    "данные",
    "привет",
    "مرحبا",
    "שלום",
    "😀",
    "🚀",
    "≥",
    "—",
    "Ελλάδα",
    "ñandú",
    "Łódź",
    "한국어",
)
CODE_LINES = (
    "def {a}({b}):",
    "    return {b} + {c}",
    "for {a} in range({n}):",
    "    print({a})",
    "{a} = [{n}, {c}]",
    "if {a} > {n}:",
    "    {b} = {a} * 2",
    "import {a}",
)


def build_vocab(rng: random.Random) -> tuple[list[str], list[float]]:
    """Words and cumulative Zipf weights: common, suffixed, invented, numbers, non-ASCII."""
    words = list(dict.fromkeys(COMMON))
    words += [w + s for w in COMMON[:200] for s in SUFFIXES if rng.random() < 0.35]
    words += ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(1500)]
    weights = [1.0 / (rank + 2.7) for rank in range(len(words))]
    total = sum(weights)
    numbers = [str(rng.randint(0, 99999)) for _ in range(200)]
    words += numbers + list(NON_ASCII)
    weights += [0.015 * total / len(numbers)] * len(numbers)
    weights += [0.005 * total / len(NON_ASCII)] * len(NON_ASCII)
    return words, list(itertools.accumulate(weights))


class TextMaker:
    """Sentences, paragraphs and markdown built from a fixed-seed sentence pool."""

    def __init__(self, seed: int, pool_size: int = 20000) -> None:
        self.rng = random.Random(seed)
        self.words, self.cum = build_vocab(self.rng)
        self.pool = [self._sentence() for _ in range(pool_size)]
        self.mean_words = sum(s.count(" ") + 1 for s in self.pool) / pool_size

    def _sentence(self) -> str:
        rng = self.rng
        words = rng.choices(self.words, cum_weights=self.cum, k=rng.randint(4, 22))
        if len(words) > 8 and rng.random() < 0.4:
            words[rng.randint(2, len(words) - 3)] += ","
        words[0] = words[0].capitalize()
        return " ".join(words) + rng.choices(".?!:", weights=(85, 8, 4, 3))[0]

    def lognormal_words(self, median: float, sigma: float, cap: int) -> int:
        """A lognormal word count with the given median, at least 1 and at most ``cap``."""
        return max(1, min(cap, int(self.rng.lognormvariate(math.log(median), sigma))))

    def prose(self, words: int, markdown: float = 0.0) -> str:
        """About ``words`` words in paragraphs; ``markdown`` is the chance of
        lists/code/headings."""
        rng = self.rng
        count = max(1, round(words / self.mean_words))
        sentences = rng.choices(self.pool, k=count)
        parts, start = [], 0
        while start < count:
            step = rng.randint(2, 6)
            parts.append(" ".join(sentences[start : start + step]))
            start += step
        if markdown and rng.random() < markdown:
            parts.insert(rng.randint(0, len(parts)), self._markdown())
        return "\n\n".join(parts)

    def _markdown(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.4:
            return "\n".join("- " + s for s in rng.choices(self.pool, k=rng.randint(2, 6)))
        if kind < 0.55:
            return "## " + rng.choice(self.pool).rstrip(".?!:")[:60]
        return "```python\n" + self._code() + "\n```"

    def _code(self) -> str:
        rng = self.rng
        names = [w for w in rng.choices(self.words[:400], k=3)]
        lines = rng.choices(CODE_LINES, k=rng.randint(2, 8))
        return "\n".join(
            t.format(a=names[0], b=names[1], c=names[2], n=rng.randint(0, 99)) for t in lines
        )
