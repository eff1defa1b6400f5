"""The learned search order (issue 26): ranking by expected success per second, never dropping a candidate, first
limits from learned times, and its versioned JSON file."""

from __future__ import annotations

import json
import threading

import pytest

from stp_prover.search import OrderEvent, OrderFileError, Outcome, SearchOrder

GOAL = "x : R\nH : 0 <= x\n============================\n0 <= x * x"
OTHER = "n : nat\n============================\nn + 0 = n"


def ev(tactic, outcome, seconds, goal=GOAL, feature="<=/R", family=None, limit=1.0) -> OrderEvent:
    return OrderEvent(goal, feature, tactic, family or tactic.split()[0], outcome, seconds, limit)


def names(ranked):
    return [r.candidate for r in ranked]


def rank(order, candidates, goal=GOAL, feature="<=/R", **kw):
    return order.rank(goal, feature, candidates, lambda t: t.split()[0], **kw)


def test_an_empty_order_keeps_the_policy_order_at_the_default_limit():
    ranked = rank(SearchOrder(), ["lra", "nra", "field", "lia"], default_limit=0.7)
    assert names(ranked) == ["lra", "nra", "field", "lia"]
    assert {r.first_limit for r in ranked} == {0.7}


def test_ranks_by_success_per_second_and_never_drops():
    order = SearchOrder()
    for _ in range(5):
        order.record(ev("nra", Outcome.PROVED, 2.0))  # always works, slowly
        order.record(ev("lra", Outcome.ERROR, 0.01))  # fails at once
        order.record(ev("psatz R", Outcome.PROVED, 0.1))  # works and is quick
        order.record(ev("field", Outcome.TIMEOUT, 1.0))
    ranked = rank(order, ["lra", "field", "nra", "psatz R", "unknown_tactic"])
    assert names(ranked)[0] == "psatz R"
    assert sorted(names(ranked)) == sorted(["lra", "field", "nra", "psatz R", "unknown_tactic"])
    assert names(ranked).index("nra") < names(ranked).index("field")
    assert names(ranked)[-1] in ("lra", "field")
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True)
    assert rank(order, []) == []


def test_first_limits_come_from_learned_successful_times():
    order = SearchOrder()
    for s in (2.0, 2.5, 3.0):
        order.record(ev("nra", Outcome.PROVED, s, limit=8.0))
    for s in (0.01, 0.02):
        order.record(ev("lia", Outcome.PROVED, s))
    by = {r.candidate: r.first_limit for r in rank(order, ["nra", "lia", "auto"], default_limit=1.0, longest=5.0)}
    assert by["nra"] == 5.0  # 3.0 s * margin 2, clamped to the longest limit
    assert by["lia"] == order.settings.min_limit  # 0.02 s * 2 is below the shortest limit
    assert by["auto"] == 1.0  # nothing known: the default
    by = {r.candidate: r.first_limit for r in rank(order, ["nra"], longest=60.0)}
    assert by["nra"] == pytest.approx(6.0)


def test_success_on_a_similar_goal_counts_more_than_on_a_different_one():
    order = SearchOrder()
    similar = "y : R\nH : 0 <= y\n============================\n0 <= y * y * y"
    for _ in range(3):
        order.record(ev("nra", Outcome.PROVED, 0.5, goal=similar, feature="other"))
        order.record(ev("nra", Outcome.ERROR, 0.5, goal=OTHER, feature="other"))
        order.record(ev("lia", Outcome.PROVED, 0.5, goal=OTHER, feature="other"))
        order.record(ev("lia", Outcome.ERROR, 0.5, goal=similar, feature="other"))
    # The feature tables see both tactics work half the time; the neighbours tell them apart.
    assert names(rank(order, ["lia", "nra"], feature="other"))[0] == "nra"
    assert (
        names(rank(order, ["nra", "lia"], goal="m : nat\n============================\nm + 0 = m", feature="other"))[0]
        == "lia"
    )


def test_save_and_load_round_trip(tmp_path):
    order = SearchOrder(made_by="test_order")
    for i in range(20):
        order.record(ev("nra", Outcome.PROVED, 0.3 + i / 100))
        order.record(ev("lra", Outcome.NO_PROGRESS, 0.01, goal=OTHER, feature="=/nat"))
    path = tmp_path / "order.json"
    order.save(path)
    doc = json.loads(path.read_text())
    assert doc["format"] == "stp-search-order" and doc["version"] == 1 and doc["made_by"] == "test_order"
    again = SearchOrder.load(path)
    assert again.made_by == "test_order" and again.events == order.events
    for goal, feature in ((GOAL, "<=/R"), (OTHER, "=/nat")):
        got, want = rank(again, ["lra", "nra", "x"], goal, feature), rank(order, ["lra", "nra", "x"], goal, feature)
        assert names(got) == names(want) and [r.first_limit for r in got] == [r.first_limit for r in want]
        assert [r.score for r in got] == pytest.approx([r.score for r in want], rel=1e-3)


@pytest.mark.parametrize(
    "text, says",
    [
        (None, "no saved search order"),
        ("{not json", "not JSON"),
        ('{"format": "something else"}', "not a saved search order"),
        ('{"format": "stp-search-order", "version": 99}', "version 99"),
        ('{"format": "stp-search-order", "version": 1, "events": 1}', "damaged"),
    ],
)
def test_a_bad_file_is_a_clear_error(tmp_path, text, says):
    path = tmp_path / "order.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(OrderFileError, match=says):
        SearchOrder.load(path)


def test_merge_adds_counts_like_one_order_that_saw_everything():
    a_events = [ev("nra", Outcome.PROVED, 0.4)] * 3 + [ev("lra", Outcome.ERROR, 0.01, goal=OTHER)] * 2
    b_events = [ev("lra", Outcome.PROVED, 0.05)] * 4 + [ev("nra", Outcome.TIMEOUT, 1.0, goal=OTHER)] * 2
    merged = SearchOrder.from_events(a_events).merge(SearchOrder.from_events(b_events))
    whole = SearchOrder.from_events(a_events + b_events)
    assert merged.events == whole.events == 11
    for goal in (GOAL, OTHER):
        got, want = rank(merged, ["nra", "lra"], goal), rank(whole, ["nra", "lra"], goal)
        assert names(got) == names(want)
        assert [r.first_limit for r in got] == [r.first_limit for r in want]
        assert [r.score for r in got] == pytest.approx([r.score for r in want])
    with pytest.raises(ValueError):
        merged.merge(merged)


def test_records_and_ranks_from_many_threads_at_once():
    order = SearchOrder()

    def work(k):
        for i in range(200):
            order.record(ev(f"t{i % 7}", Outcome.PROVED if i % 3 == 0 else Outcome.ERROR, 0.01, goal=f"{GOAL} + {k}"))
            assert len(rank(order, ["t1", "t2", "t3"], goal=f"{GOAL} + {i}")) == 3

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert order.events == 800 and order.summary()["goals"] == 4
