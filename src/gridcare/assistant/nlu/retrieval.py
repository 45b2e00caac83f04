"""Knowledge-base retrieval: which FAQ entry answers a question (framework-free).

A `KnowledgeIndex` is built from documents `(code, texts)` — an entry's question, its other
wordings and the head of its answer (`entry_texts`) — and scored with BM25 (the bm25s
library). Each text is indexed on its own; an entry scores as its best-matching text plus
`SPREAD` times the sum of its other texts' scores. So a question phrased like one variant
wins on that variant, entries whose several wordings all match rank higher, and BM25's
length normalisation does not punish an entry for having many variants (as one long
document per entry would).

Tokens come from normalised text (NFKC: full-width → half-width; OpenCC t2s: traditional
→ simplified; lower case; a few colloquial `SYNONYMS` and the A-not-A question form folded):
jieba words, character bigrams and single characters of the Chinese runs, particles and
filler words left out of words and single characters. Bigrams make retrieval robust to
jieba segmenting a customer's wording differently from the entry's; single characters
rescue very short questions and one-character typos.

The answer rule (`Threshold`, applied by `answer()`):

1. the best entry scores at least `min_score`;
2. it leads the runner-up by at least `min_margin` of its score;
3. the question and the entry share a *key term*: a word at least `key_term_ratio` times
   more frequent in the knowledge base than in general Chinese (jieba's dictionary
   frequencies). "电费", "户号", "阶梯", "抢修" are key terms; "明天", "名字", "材料" are
   not, so "汽车年检需要什么材料" is refused although it matches "需要什么材料" well.

The values were tuned on tests/assistant/kb/retrieval_cases.toml (docs/architecture.md,
"Assistant: knowledge base").

    >>> index = KnowledgeIndex([
    ...     ("tariff", ["居民阶梯电价怎么算", "电价分几档"]),
    ...     ("repair", ["停电了怎么报修", "抢修多久能到"]),
    ... ])
    >>> index.search("阶梯電價是怎麼計算的", k=1)[0][0]
    'tariff'
    >>> index.answer("今天天气怎么样") is None
    True
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import bm25s
import jieba
import numpy as np

from gridcare.assistant.nlu.normalize import bounded, to_simplified

__all__ = [
    "Hit",
    "KnowledgeIndex",
    "Threshold",
    "entry_texts",
    "normalize",
    "tokenize",
]

jieba.setLogLevel(logging.WARNING)

#: How much of an answer is indexed with the question and its variants: the head states
#: the subject; the rest (figures, conditions) would only add noise.
ANSWER_HEAD = 80

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_WORDLIKE = re.compile(rf"[0-9a-z{_CJK}]")
#: Words that carry no topic: particles, pronouns, politeness and question words. They stay
#: out of the word tokens and the single characters (bigrams keep them: "怎么交" is still
#: a hint).
STOP_WORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 哦 嘛 么 哈 嗯 是 在 和 与 或 及 就 都 也 还 又 再 很 太 更 最 我 你 您 他 她 它 我们 你们 他们 我家 咱 自己
    这 那 这个 那个 这里 那里 哪 哪里 哪儿 什么 怎么 怎么样 怎样 如何 为什么 怎么办 咋办 多少 几 请问 请 你好 您好 谢谢 麻烦 一下 一个 有 没
    没有 要 想 能 可以 会 该 应该 需要 得 让 把 被 给 对 从 到 跟 上 下 里 中 个 嘞 啦 呗 咧 呐 喔 哟 诶 哎 一 不
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_STOP_CHARS = frozenset(w for w in STOP_WORDS if len(w) == 1)
_UNIGRAM_PREFIX = "u:"
#: Colloquial wordings folded into the words the entries use, on both sides (entries and
#: questions). Small on purpose: each line is a wording customers use that shares no
#: characters with the entries' word.
SYNONYMS: tuple[tuple[str, str], ...] = (
    ("千瓦时", "度"),
    ("kwh", "度"),
    ("电瓶车", "电动自行车"),
    ("被电打", "触电"),
    ("电打了", "触电"),
    ("被电到", "触电"),
    ("电击", "触电"),
    ("师傅", "人员"),
    ("收钱", "收费"),
    ("要钱", "收费"),
    ("花钱", "收费"),
    ("咋", "怎么"),
    ("啥", "什么"),
)
#: Words frequent in the knowledge base only because every service is "applied for" and
#: "handled" and every answer says "how long": never key terms (rule 3), though they still
#: rank entries.
GENERIC_WORDS = frozenset(
    """
    办理 申请 处理 查询 手续 材料 资料 需要 多久 多长时间 时间 几点 几号 几天 几分钟 哪天
    哪一天 为准 即可 出具 在线 填写 提交 可以 方式 流程 步骤 规定 标准
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_NUMBER = re.compile(r"[0-9.%]+")
#: "收不收", "赔不赔", "停没停": the A-not-A question form, folded to the verb.
_A_NOT_A = re.compile(rf"([{_CJK}])[不没]\1")


@dataclass(frozen=True, slots=True)
class Threshold:
    """The answer rule (module docstring). `min_score`: the best entry's score (BM25
    summed over the question's tokens, so it grows with how much of the question matched);
    `min_margin`: its lead over the runner-up as a share of its score; `key_term_ratio`:
    how much more frequent in the knowledge base than in general Chinese a word must be to
    be a key term."""

    min_score: float = 15.0
    min_margin: float = 0.08
    key_term_ratio: float = 40.0


@dataclass(frozen=True, slots=True)
class Hit:
    code: str
    score: float


def normalize(text: str) -> str:
    """Half-width, simplified and lower-case, whitespace collapsed (the NLU's
    `to_simplified`; retrieval keeps symbols and numerals as written).

    >>> normalize("ＥＶ充電樁  怎麼報裝？")
    'ev充电桩 怎么报装?'
    """
    return " ".join(to_simplified(text).lower().split())


def _fold(text: str) -> str:
    """The A-not-A form and the synonyms folded (after `normalize`).

    >>> _fold("光伏并网收不收钱")
    '光伏并网收费'
    """
    text = _A_NOT_A.sub(r"\1", text)
    for wording, canonical in SYNONYMS:
        text = text.replace(wording, canonical)
    return text


def _words(folded: str) -> list[str]:
    stripped = (w.strip() for w in jieba.lcut(folded))
    return [w for w in stripped if w and _WORDLIKE.search(w) and w not in STOP_WORDS]


def _analyse(text: str) -> tuple[list[str], list[str]]:
    """(words, index tokens) of `text`: one jieba pass for both."""
    folded = _fold(normalize(text))
    words = _words(folded)
    runs = _CJK_RUN.findall(folded)
    bigrams = [run[i : i + 2] for run in runs for i in range(len(run) - 1)]
    unigrams = [_UNIGRAM_PREFIX + ch for run in runs for ch in run if ch not in _STOP_CHARS]
    return words, words + bigrams + unigrams


def tokenize(text: str) -> list[str]:
    """The index tokens of `text`: jieba words, character bigrams and single characters
    (prefixed, so a one-character word and the character stay two terms).

    >>> tokenize("峰谷电价")
    ['峰谷', '电价', '峰谷', '谷电', '电价', 'u:峰', 'u:谷', 'u:电', 'u:价']
    """
    return _analyse(text)[1]


def entry_texts(question: str, variants: Sequence[str], answer: str) -> list[str]:
    """What the index holds of one entry: its question, every variant, the answer's head."""
    return [question, *variants, answer[:ANSWER_HEAD]]


def _general_frequency() -> tuple[dict[str, int], int]:
    """jieba's dictionary: how often each word occurs in general Chinese, and the total."""
    jieba.initialize()
    return jieba.dt.FREQ, jieba.dt.total


class KnowledgeIndex:
    """BM25 over the texts of each entry; `search` ranks entries, `answer` applies the
    answer rule. Built once (about 0.15 s for 200 entries once jieba is loaded), then
    only read, so threads may share it."""

    #: An entry's score: its best text plus this share of its other texts' scores.
    SPREAD = 0.5

    def __init__(
        self,
        documents: Iterable[tuple[str, Sequence[str]]],
        *,
        threshold: Threshold | None = None,
    ) -> None:
        self.threshold = threshold or Threshold()
        codes: list[str] = []
        owners: list[int] = []
        corpus: list[list[str]] = []
        entry_words: list[set[str]] = []
        word_counts: Counter[str] = Counter()
        for code, texts in documents:
            entry = len(codes)
            codes.append(code)
            vocabulary: set[str] = set()
            for text in texts:
                words, tokens = _analyse(text)
                vocabulary.update(words)
                word_counts.update(words)
                if tokens:
                    corpus.append(tokens)
                    owners.append(entry)
            entry_words.append(vocabulary)
        self.codes: tuple[str, ...] = tuple(codes)
        self._owners = np.asarray(owners, dtype=np.int64)
        self._key_terms = self._find_key_terms(word_counts)
        self._entry_key_terms = [words & self._key_terms for words in entry_words]
        self._retriever: bm25s.BM25 | None = None
        if corpus:
            self._retriever = bm25s.BM25(k1=1.2, b=0.75)
            self._retriever.index(corpus, show_progress=False)

    def _find_key_terms(self, counts: Counter[str]) -> frozenset[str]:
        """Words at least `key_term_ratio` times more frequent here than in general
        Chinese (add-one smoothed, so a word jieba does not know is rare there), except
        `GENERIC_WORDS` and numbers of fewer than 3 digits ("7" days, "1" yuan)."""
        general, general_total = _general_frequency()
        total = sum(counts.values()) or 1
        ratio = self.threshold.key_term_ratio
        return frozenset(
            word
            for word, count in counts.items()
            if (count / total) >= ratio * (general.get(word, 0) + 1) / general_total
            and word not in GENERIC_WORDS
            and not (_NUMBER.fullmatch(word) and len(word.strip(".%")) < 3)
        )

    def __len__(self) -> int:
        return len(self.codes)

    def key_terms(self, text: str) -> set[str]:
        """The key terms of the index that `text` uses (of its head and tail when long)."""
        return set(_words(_fold(normalize(bounded(text))))) & self._key_terms

    def _entry_scores(self, text: str) -> np.ndarray:
        scores = np.zeros(len(self.codes), dtype=np.float64)
        if self._retriever is None:
            return scores
        # A question is read like the classifier reads it: a very long one on its head and
        # tail, so a pasted essay costs what a paragraph does.
        ids = self._retriever.get_tokens_ids(tokenize(bounded(text)))
        if not ids:
            return scores
        per_text = self._retriever.get_scores_from_ids(ids).astype(np.float64)
        best = np.zeros(len(self.codes), dtype=np.float64)
        np.maximum.at(best, self._owners, per_text)
        total = np.zeros(len(self.codes), dtype=np.float64)
        np.add.at(total, self._owners, per_text)
        return best + self.SPREAD * (total - best)

    def search(
        self, text: str, k: int = 5, *, allowed: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """The `k` best entries for `text` as (code, score), best first; entries with no
        token in common are left out. `allowed`: only these codes may be returned (the
        entries valid today)."""
        scores = self._entry_scores(text)
        if allowed is not None:
            mask = np.fromiter((code in allowed for code in self.codes), bool, len(self.codes))
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[: max(k, 0)]
        return [(self.codes[i], float(scores[i])) for i in order if scores[i] > 0]

    def shares_key_term(self, text: str, code: str) -> bool:
        """Whether `text` uses a key term of the entry `code` (rule 3)."""
        try:
            entry = self.codes.index(code)
        except ValueError:
            return False
        return bool(self.key_terms(text) & self._entry_key_terms[entry])

    def related(
        self, text: str, k: int = 10, *, allowed: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """Like `search`, keeping only entries that share a key term with `text` (a search
        box: relevant entries, not necessarily one answer)."""
        terms = self.key_terms(text)
        if not terms:
            return []
        ranked = self.search(text, k=len(self.codes), allowed=allowed)
        index = {code: i for i, code in enumerate(self.codes)}
        kept = [(c, s) for c, s in ranked if terms & self._entry_key_terms[index[c]]]
        return kept[:k]

    def answer(
        self,
        text: str,
        *,
        allowed: Collection[str] | None = None,
        preferred: Collection[str] = (),
    ) -> Hit | None:
        """The entry that answers `text` under the answer rule, or None.

        `preferred`: entries the caller has reason to favour (those of the category the
        intent classifier named). When the best two are too close to call and exactly one
        of them is preferred, that one answers (if it meets rules 1 and 3); a clear winner
        is never overruled."""
        ranked = self.search(text, k=2, allowed=allowed)
        if not ranked:
            return None
        code, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        rule = self.threshold
        if (best - runner_up) < rule.min_margin * best:
            tied = [item for item in ranked if item[0] in preferred]
            if len(tied) != 1:
                return None
            code, best = tied[0]
        if best < rule.min_score or not self.shares_key_term(text, code):
            return None
        return Hit(code=code, score=best)
