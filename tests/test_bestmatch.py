"""models.bestmatch: exact, year-filtered, blocked best match against a float64 brute force."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from innograph.models.bestmatch import best_match, brute_force_best_match

GPU = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _random(n: int, m: int, dim: int, seed: int, years=(1990, 2021)):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, dim)).astype(np.float32),
            rng.integers(*years, n),
            rng.standard_normal((m, dim)).astype(np.float32),
            rng.integers(*years, m))


def _tied(n: int, m: int, dim: int, seed: int, years=(2000, 2006)):
    """Vectors with exactly 4 entries of ±0.5 (unit norm, every dot product a multiple of
    1/4, exact in any summation order): many exact ties, some duplicate patents."""
    rng = np.random.default_rng(seed)

    def rows(r: int) -> np.ndarray:
        x = np.zeros((r, dim), np.float32)
        for i in range(r):
            x[i, rng.choice(dim, 4, replace=False)] = rng.choice([-0.5, 0.5], 4)
        return x

    p = rows(m)
    p[m // 2:] = p[: m - m // 2]  # duplicates at higher indices
    return rows(n), rng.integers(*years, n), p, rng.integers(*years, m)


def _assert_same(idx, sc, ref_idx, ref_sc, d, p, tol=2e-6):
    """Indices equal to the brute force wherever its top score is not a float32 near-tie;
    at near-ties, the chosen patent's score equals the best score within ``tol``."""
    assert idx.shape == ref_idx.shape
    np.testing.assert_array_equal(idx == -1, ref_idx == -1)
    np.testing.assert_allclose(sc, ref_sc, atol=tol, equal_nan=True)
    diff = idx != ref_idx
    if diff.any():  # only allowed where the two candidates' exact scores are within tol
        dn = d / np.linalg.norm(d, axis=1, keepdims=True)
        pn = p / np.linalg.norm(p, axis=1, keepdims=True)
        rows = np.nonzero(diff)[0] if idx.ndim == 1 else np.nonzero(diff)[0]
        for r in rows:
            a = np.atleast_1d(idx[r]); b = np.atleast_1d(ref_idx[r])
            sa = pn[a[a >= 0]].astype(np.float64) @ dn[r]
            sb = pn[b[b >= 0]].astype(np.float64) @ dn[r]
            np.testing.assert_allclose(np.sort(sa), np.sort(sb), atol=tol)


@pytest.mark.parametrize("batch,threads", [(None, 1), ((16, 11), 1), ((64, 33), 2),
                                           ((64, 33), None), (1000, 1)])
def test_exact_against_brute_force_random(batch, threads):
    d, dy, p, py = _random(300, 500, 24, seed=1)
    idx, sc = best_match(d, dy, p, py, device="cpu", batch=batch, threads=threads)
    ref_idx, ref_sc = brute_force_best_match(d, dy, p, py)
    _assert_same(idx, sc, ref_idx, ref_sc, d, p)
    assert (idx >= 0).sum() > 250
    ok = idx >= 0
    assert (py[idx[ok]] >= dy[ok]).all()  # temporal validity


@pytest.mark.parametrize("batch", [(9, 7), (50, 17), None])
def test_ties_go_to_the_lower_patent_index(batch):
    d, dy, p, py = _tied(200, 300, 10, seed=2)
    idx, sc = best_match(d, dy, p, py, device="cpu", batch=batch, threads=1)
    ref_idx, ref_sc = brute_force_best_match(d, dy, p, py)
    np.testing.assert_array_equal(idx, ref_idx)  # every score exact: no tolerance needed
    np.testing.assert_array_equal(sc, ref_sc)
    # the data really has ties across years (the case position order would get wrong)
    S = (d @ p.T) * (py[None, :] >= dy[:, None]) - 9 * (py[None, :] < dy[:, None])
    n_best = (S == S.max(axis=1, keepdims=True)).sum(axis=1)
    assert (n_best > 1).mean() > 0.5


def test_tie_across_years_prefers_lower_index_not_earlier_year():
    p = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], np.float32)
    py = np.array([2010, 2000, 2005])  # index 0 is later than index 1
    d = np.array([[1.0, 0.0]], np.float32)
    idx, sc = best_match(d, [1999], p, py, device="cpu", batch=(1, 1))
    assert idx.tolist() == [0] and sc[0] == pytest.approx(1.0)
    idx, _ = best_match(d, [2001], p, py, device="cpu")
    assert idx.tolist() == [0]
    idx, _ = best_match(d, [2011], p, py, device="cpu")
    assert idx.tolist() == [-1]


def test_no_eligible_patent_gives_minus_one_and_nan():
    d, dy, p, py = _random(50, 40, 8, seed=3, years=(2000, 2010))
    dy[:10] = 2015  # later than every patent
    idx, sc = best_match(d, dy, p, py, device="cpu", batch=(8, 8))
    assert (idx[:10] == -1).all() and np.isnan(sc[:10]).all()
    assert (idx[10:] >= 0).all() and np.isfinite(sc[10:]).all()
    idx3, sc3 = best_match(d, dy, p, py, k=3, device="cpu")
    assert (idx3[:10] == -1).all() and np.isnan(sc3[:10]).all()


def test_fewer_eligible_than_k_pads_with_minus_one():
    d = np.ones((1, 3), np.float32)
    p = np.eye(3, dtype=np.float32)
    idx, sc = best_match(d, [2005], p, [2004, 2005, 2006], k=3, device="cpu")
    assert idx.tolist() == [[1, 2, -1]]
    assert np.isnan(sc[0, 2]) and np.allclose(sc[0, :2], 1 / np.sqrt(3))


def test_single_year_corpus_and_no_years():
    d, _, p, _ = _random(120, 90, 16, seed=4)
    ones_d, ones_p = np.full(120, 2020), np.full(90, 2020)
    ref_idx, ref_sc = brute_force_best_match(d, None, p, None)
    for years in ((ones_d, ones_p), (None, None)):
        idx, sc = best_match(d, years[0], p, years[1], device="cpu", batch=(16, 20))
        _assert_same(idx, sc, ref_idx, ref_sc, d, p)
    # papers of a later year than the only patent year: nothing eligible
    idx, _ = best_match(d, np.full(120, 2021), p, ones_p, device="cpu")
    assert (idx == -1).all()


@pytest.mark.parametrize("k", [2, 5, 40])
def test_top_k_sorted_by_score_then_index(k):
    d, dy, p, py = _random(150, 200, 12, seed=5, years=(2000, 2008))
    idx, sc = best_match(d, dy, p, py, k=k, device="cpu", batch=(32, 16), threads=2)
    ref_idx, ref_sc = brute_force_best_match(d, dy, p, py, k=k)
    assert idx.shape == (150, k)
    _assert_same(idx, sc, ref_idx, ref_sc, d, p)
    ok = np.isfinite(sc)
    assert (np.diff(np.where(ok, sc, -9), axis=1) <= 0).all()


@pytest.mark.parametrize("k", [1, 3])
def test_top_k_with_ties_is_exact(k):
    d, dy, p, py = _tied(120, 160, 9, seed=6)
    idx, sc = best_match(d, dy, p, py, k=k, device="cpu", batch=(16, 7), threads=1)
    ref_idx, ref_sc = brute_force_best_match(d, dy, p, py, k=k)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(sc, ref_sc)


def test_top_k_among_identical_patents_takes_the_lowest_indices():
    """torch.topk returns tied positions in no fixed order (e.g. 67, 66, 65 of 100 equal
    values): the k-th-value ties must still resolve to the lowest indices."""
    p = np.tile(np.array([[1.0, 2.0]], np.float32), (100, 1))
    idx, sc = best_match(np.array([[2.0, 4.0]], np.float32), [2000], p, np.full(100, 2000),
                         k=3, device="cpu", batch=(4, 100))
    assert idx.tolist() == [[0, 1, 2]]
    np.testing.assert_allclose(sc, 1.0, rtol=1e-6)


def test_cpu_parallel_modes_agree():
    d, dy, p, py = _random(400, 300, 16, seed=12)
    before = torch.get_num_threads()
    a = best_match(d, dy, p, py, k=2, device="cpu", batch=(50, 40), threads=2,
                   cpu_parallel="blocks")
    b = best_match(d, dy, p, py, k=2, device="cpu", batch=(50, 40), threads=2,
                   cpu_parallel="torch")
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert torch.get_num_threads() == before  # the caller's setting is restored
    with pytest.raises(ValueError):
        best_match(d, dy, p, py, cpu_parallel="gpu")


def test_torch_and_numpy_inputs_agree_and_rows_need_not_be_unit():
    d, dy, p, py = _random(80, 70, 10, seed=7)
    a = best_match(d, dy, p, py, device="cpu")
    b = best_match(torch.from_numpy(d) * 3.0, torch.from_numpy(dy),
                   torch.from_numpy(p).double() * 0.1, torch.from_numpy(py), device="cpu")
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], atol=1e-6)
    assert a[0].dtype == np.int64 and a[1].dtype == np.float32


def test_empty_inputs_and_bad_inputs():
    d, dy, p, py = _random(5, 4, 3, seed=8)
    idx, sc = best_match(d[:0], dy[:0], p, py, device="cpu")
    assert idx.shape == (0,) and sc.shape == (0,)
    idx, sc = best_match(d, dy, p[:0], py[:0], device="cpu")
    assert (idx == -1).all() and np.isnan(sc).all()
    with pytest.raises(ValueError):
        best_match(d, dy, p[:, :2], py, device="cpu")
    bad = d.copy(); bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        best_match(bad, dy, p, py, device="cpu")
    with pytest.raises(ValueError):
        best_match(d, np.array([2000.0, np.nan, 1, 2, 3]), p, py, device="cpu")
    with pytest.raises(ValueError):
        best_match(d, dy, p, py, k=0)


def test_zero_vector_has_cosine_zero():
    p = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)
    idx, sc = best_match(np.array([[-1.0, 0.0]], np.float32), [2000], p, [2000, 2000],
                         device="cpu")
    assert idx.tolist() == [1] and sc[0] == 0.0


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
@pytest.mark.parametrize("k", [1, 4])
def test_low_precision_screening_is_certified_exact(k, precision):
    """bf16 / fp16 candidates + fp32 rescoring give the fp32 answer, also on clustered data
    where many rows cannot be certified and are recomputed."""
    d, dy, p, py = _random(200, 300, 32, seed=9, years=(2000, 2004))
    rng = np.random.default_rng(10)
    p[150:] = p[:150] + 0.01 * rng.standard_normal((150, 32)).astype(np.float32)  # near twins
    ref = best_match(d, dy, p, py, k=k, device="cpu", batch=(32, 40))
    got = best_match(d, dy, p, py, k=k, device="cpu", batch=(32, 40), precision=precision,
                     candidates=4, kernel="torch")
    _assert_same(got[0], got[1], ref[0], ref[1], d, p, tol=2e-6)


@GPU
@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
def test_gpu_equals_cpu(precision):
    d, dy, p, py = _random(3000, 4000, 64, seed=11)
    cpu = best_match(d, dy, p, py, k=3, device="cpu")
    gpu = best_match(d, dy, p, py, k=3, device="cuda", precision=precision)
    _assert_same(gpu[0], gpu[1], cpu[0], cpu[1], d, p, tol=1e-5)
