"""The values the NLU hands out (plain frozen dataclasses, no framework)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled utterance of a training or evaluation file (`line`: 1-based)."""

    text: str
    intent: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Entities:
    """What a message names. Months are `YYYY-MM`, dates ISO `YYYY-MM-DD`, amounts decimal
    strings in yuan; account numbers (户号) are 10–13 digits, mobiles 11 digits."""

    account_numbers: tuple[str, ...] = ()
    mobiles: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in self.__slots__ if getattr(self, name)}


@dataclass(frozen=True, slots=True)
class Understanding:
    """One message understood: `intent` is the best guess, `confidence` its probability,
    `ranking` the best few (intent, probability) pairs, `normalized` the text the
    classifier saw (simplified, half-width, lower-case), `concepts` the lexicon concepts it
    found (C_AREA, C_MY_PREMISES …: nlu/lexicon.py)."""

    text: str
    normalized: str
    intent: str
    confidence: float
    ranking: tuple[tuple[str, float], ...] = ()
    entities: Entities = field(default_factory=Entities)
    anger: bool = False
    concepts: tuple[str, ...] = ()
