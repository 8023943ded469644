"""Adaptive steady-state timing: how many samples, which interval, when it stops."""

import types

import numpy as np
import pytest
from scipy import stats

import nemos_bench.measure._sampling as timing_module
from nemos_bench.measure import time_repeats
from nemos_bench.measure._sampling import time_adaptive
from nemos_bench.results import format_samples, median_ci, parse_samples, relative_halfwidth


@pytest.mark.parametrize("n", [2, 5, 6, 7, 10, 19, 20, 50, 101])
def test_median_interval_is_scipys_distribution_free_interval(n):
    values = np.random.default_rng(n).lognormal(size=n)
    ours = median_ci(values)
    result = stats.quantile_test(values, q=np.median(values), p=0.5)
    theirs = result.confidence_interval(confidence_level=0.95)
    np.testing.assert_array_equal(ours, (theirs.low, theirs.high))
    if n >= 6:  # the fewest samples with a 95% interval
        assert ours[0] <= np.median(values) <= ours[1]
    else:
        assert np.isnan(ours).all()


def test_samples_round_trip_exactly():
    values = [0.1, 1 / 3, 2.5e-5]
    assert parse_samples(format_samples(values)).tolist() == values
    assert parse_samples("").size == 0


@pytest.fixture
def clock(monkeypatch):
    """A fake ``time.perf_counter`` for the timing module: calls take exactly what they say."""
    now = [0.0]
    fake = types.SimpleNamespace(perf_counter=lambda: now[0], process_time=lambda: now[0])
    monkeypatch.setattr(timing_module, "time", fake)
    return now


def _calls(clock, durations):
    it = iter(durations)

    def fn():
        clock[0] += next(it)

    return fn


def test_steady_calls_stop_once_the_interval_is_tight(clock):
    # 3 ms calls within +-2%: the interval is within +-5% as soon as it exists (6 samples)
    durations = [0.003, 0.00306, 0.00294] * 40
    timing = time_adaptive(
        _calls(clock, durations), min_repeats=6, max_repeats=100, budget_s=10.0, rel_ci=0.05
    )
    assert timing.repeats == 6
    assert timing.samples == pytest.approx(tuple(durations[:6]))
    assert timing.median_s == np.median(timing.samples)
    assert (timing.ci_low, timing.ci_high) == (min(timing.samples), max(timing.samples))


def test_noisy_calls_sample_until_the_budget_then_stop(clock):
    # alternating 1 ms / 6 ms: the interval never tightens to +-5%; the 0.15 s budget ends it
    durations = [0.001, 0.006] * 200
    timing = time_adaptive(
        _calls(clock, durations), min_repeats=6, max_repeats=400, budget_s=0.15, rel_ci=0.05
    )
    assert sum(timing.samples) == pytest.approx(0.15, abs=0.0061)  # the whole budget, no more
    assert 6 < timing.repeats < 400
    assert relative_halfwidth(timing.samples) > 0.05


def test_minimum_and_maximum_sample_counts_are_honoured(clock):
    slow = time_adaptive(_calls(clock, [0.5] * 10), min_repeats=6, max_repeats=10, budget_s=0.1)
    assert slow.repeats == 6  # the budget is spent at once, but never fewer than the minimum
    durations = [0.001, 0.004] * 20
    capped = time_adaptive(_calls(clock, durations), min_repeats=6, max_repeats=8, budget_s=10.0)
    assert capped.repeats == 8
    assert time_repeats(_calls(clock, [0.001] * 3), 3).repeats == 3
    with pytest.raises(ValueError, match="min_repeats must be a positive integer"):
        time_adaptive(_calls(clock, []), min_repeats=0)


def test_a_failing_check_ends_the_timing(clock):
    seen = []

    def check(index, output):
        seen.append(index)
        if index == 2:
            raise RuntimeError("repeat 3 differs")

    with pytest.raises(RuntimeError, match="repeat 3 differs"):
        time_adaptive(_calls(clock, [0.0] * 10), min_repeats=6, max_repeats=10, check=check)
    assert seen == [0, 1, 2]


def test_compilations_inside_timed_calls_are_counted_and_those_of_checks_are_not():
    import jax
    import jax.numpy as jnp

    x = jnp.ones(3)
    steady = jax.jit(lambda v: v * 2)
    steady(x)

    def compiling_check(index, output):
        jax.jit(lambda v: v + index)(x).block_until_ready()  # a new function: compiles

    honest = time_adaptive(lambda: steady(x), min_repeats=6, max_repeats=6, check=compiling_check)
    assert honest.compiles == 0

    calls = iter(range(100))
    fresh = time_adaptive(lambda: jax.jit(lambda v: v - next(calls))(x), min_repeats=6,
                          max_repeats=6)  # fmt: skip
    # every call compiles: not timed again, sampled RECOMPILE_REPEATS times, marked
    assert fresh.recompiles and fresh.repeats == timing_module.RECOMPILE_REPEATS
    assert fresh.compiles == fresh.repeats and len(fresh.compile_s_samples) == fresh.repeats
    assert all(0 < c <= t for c, t in zip(fresh.compile_s_samples, fresh.samples, strict=True))

    once = iter([True])
    first_only = time_adaptive(
        lambda: jax.jit(lambda v: v + 7)(x) if next(once, False) else steady(x),
        min_repeats=6,
        max_repeats=6,
    )
    # one compilation in the first pass only: the pass is taken again, nothing recompiles
    assert first_only.compiles == 0 and not first_only.recompiles and first_only.repeats == 6
