"""Runs the fused best-match kernel under Triton's CPU interpreter and saves the results.

Run by ``test_bestmatch_triton.py`` in a subprocess: ``TRITON_INTERPRET=1`` must be set
before triton is imported, which cannot be undone inside the pytest process.
Usage: ``TRITON_INTERPRET=1 python -m tests.triton_cases OUT.npz``.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import torch

from innograph.models import bestmatch_triton as bt
from innograph.models.bestmatch import best_match

from .test_bestmatch import _random, _tied

#: Small tiles so that a few hundred rows span many programs, tiles and depth steps.
CONFIG = {"BLOCK_M": 16, "BLOCK_N": 32, "BLOCK_K": 16}


def cases() -> dict[str, tuple]:
    """name → (papers, paper years, patents, patent years, k)."""
    out: dict[str, tuple] = {}
    d, dy, p, py = _random(300, 500, 24, seed=21)
    out["random_k1"] = (d, dy, p, py, 1)
    out["random_k3"] = (d, dy, p, py, 3)
    d, dy, p, py = _tied(150, 260, 20, seed=22)
    out["tied_k1"] = (d, dy, p, py, 1)
    out["tied_k2"] = (d, dy, p, py, 2)
    d, dy, p, py = _random(90, 140, 40, seed=23, years=(2010, 2011))
    out["single_year"] = (d, dy, p, py, 1)
    d, dy, p, py = _random(80, 120, 16, seed=24, years=(2000, 2010))
    dy[:20] = 2030  # later than every patent: no eligible patent
    out["none_eligible"] = (d, dy, p, py, 2)
    return out


def main(path: str) -> None:
    assert bt.interpreted() and bt.available(torch.device("cpu"))
    res: dict[str, np.ndarray] = {}
    for name, (d, dy, p, py, k) in cases().items():
        stats: dict = {}
        idx, sc = best_match(d, dy, p, py, k=k, device="cpu", precision="fp16",
                             kernel="triton", kernel_config=CONFIG, candidates=4, stats=stats)
        assert stats["kernel"] == "triton", stats
        res[f"{name}/idx"], res[f"{name}/sc"] = idx, sc
        res[f"{name}/recomputed"] = np.array(stats["recomputed"])
    # the kernel's own output, before rescoring: sorted inputs as best_match gives them
    d, dy, p, py = _random(200, 330, 24, seed=25)
    od, op = np.argsort(dy, kind="stable"), np.argsort(py, kind="stable")
    dn = torch.nn.functional.normalize(torch.from_numpy(d[od]), dim=1).half()
    pn = torch.nn.functional.normalize(torch.from_numpy(p[op]), dim=1).half()
    s, pos, drop = bt.screen(dn, torch.from_numpy(dy[od]), pn, torch.from_numpy(py[op]), 4,
                             CONFIG)
    res["screen/s"], res["screen/pos"], res["screen/drop"] = s.numpy(), pos.numpy(), drop.numpy()
    res["screen/d16"], res["screen/p16"] = dn.float().numpy(), pn.float().numpy()
    res["screen/dy"], res["screen/py"] = dy[od], py[op]
    np.savez(path, **res)


if __name__ == "__main__":
    os.environ.setdefault("TRITON_INTERPRET", "1")
    main(sys.argv[1])
