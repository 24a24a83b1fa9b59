"""The figures on the demo data set shared by every session (kpi_app/shared.py): computed once
per key even when sessions ask at the same moment, and a failed computation blocks nobody."""

from __future__ import annotations

import threading

import pytest

from kpi_app import shared


@pytest.fixture
def fresh_memo():
    shared._demo_memo.clear()
    yield
    shared._demo_memo.clear()


def _ask_at_once(key, make, sessions: int = 8) -> list:
    start = threading.Barrier(sessions)
    answers: list = [None] * sessions

    def session(number: int) -> None:
        start.wait()
        try:
            answers[number] = shared.demo_memo(key, make)
        except RuntimeError as error:
            answers[number] = error

    threads = [threading.Thread(target=session, args=(number,)) for number in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_sessions_asking_together_wait_for_one_computation(fresh_memo):
    calls = []
    release = threading.Event()

    def slow() -> object:
        calls.append(1)
        release.wait(timeout=0.5)  # long enough for every session to be asking
        return object()

    answers = _ask_at_once(("report", "demo", 1), slow)
    assert len(calls) == 1
    assert all(answer is answers[0] for answer in answers)
    assert shared.demo_memo(("report", "demo", 1), slow) is answers[0]
    assert len(calls) == 1


def test_a_failed_computation_lets_the_others_compute_their_own(fresh_memo):
    calls = []

    def fails_first() -> str:
        calls.append(1)
        if len(calls) == 1:
            threading.Event().wait(0.3)
            raise RuntimeError("interrupted")
        return "figures"

    answers = _ask_at_once(("report", "demo", 2), fails_first, sessions=4)
    assert sum(isinstance(answer, RuntimeError) for answer in answers) == 1
    assert sorted(answer for answer in answers if isinstance(answer, str)) == ["figures"] * 3
    assert shared.demo_memo(("report", "demo", 2), fails_first) == "figures"


def test_the_least_recently_used_results_go_first(fresh_memo, monkeypatch):
    monkeypatch.setattr(shared, "SHARED_MEMO_SIZE", 2)
    for number in range(3):
        shared.demo_memo(("k", number), lambda number=number: number)
    assert list(shared._demo_memo().entries) == [("k", 1), ("k", 2)]
