"""The ETR engine: the median of the most similar past outages, falling back stepwise."""

from __future__ import annotations

from datetime import UTC, datetime

from gridcare.outages.engine.etr import OutageProfile, PastOutage, estimate, season_of

OUTAGE = OutageProfile(feeder_id=1, cause="weather", level="feeder", season="summer")


def past(
    minutes: float, feeder_id: int = 1, cause: str = "weather", season: str = "summer"
) -> PastOutage:
    return PastOutage(
        feeder_id=feeder_id, cause=cause, level="feeder", season=season, minutes=minutes
    )


def test_same_feeder_cause_and_season_give_the_median() -> None:
    history = [past(60), past(90), past(600), past(10, feeder_id=2)]
    result = estimate(OUTAGE, history)
    assert (result.minutes, result.method, result.n) == (90, "feeder_cause_season", 3)
    assert result.basis() == {
        "method": "feeder_cause_season",
        "n": 3,
        "median_minutes": 90.0,
        "estimate": True,
    }


def test_too_few_similar_fall_back_to_the_feeder_then_the_level() -> None:
    history = [past(60), past(80, season="winter"), past(100, cause="equipment")]
    assert estimate(OUTAGE, history).method == "feeder"
    elsewhere = [past(30, feeder_id=2), past(40, feeder_id=3), past(50, feeder_id=4)]
    result = estimate(OUTAGE, elsewhere)
    assert (result.method, result.minutes) == ("level_cause_season", 40)


def test_no_history_is_the_default_stated_as_such() -> None:
    result = estimate(OUTAGE, [], default_minutes=120)
    assert (result.minutes, result.method, result.n, result.median_minutes) == (
        120,
        "default",
        0,
        None,
    )


def test_seasons_are_meteorological() -> None:
    assert season_of(datetime(2026, 12, 6, tzinfo=UTC)) == "winter"
    assert season_of(datetime(2026, 7, 1, tzinfo=UTC)) == "summer"
