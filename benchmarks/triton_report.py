"""Compile the fused best-match kernel for a GPU architecture and report its resources.

Needs the ``triton`` package, not a GPU: Triton compiles to PTX here and its bundled
``ptxas`` assembles for ``--arch`` (default sm_90, the H100). For each tile configuration it
prints registers per thread, spill bytes, shared memory, the number of warp-group MMA
instructions (``wgmma``: Hopper tensor cores) and of asynchronous copies (``cp.async``: the
loads are software-pipelined over ``stages`` buffers). Spills, a missing ``wgmma`` or no
``cp.async`` predict a slow kernel; the speed itself needs ``bench_bestmatch.py --gpu``.

    python benchmarks/triton_report.py
    python benchmarks/triton_report.py --dim 384 --candidates 4 --arch 90
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")

CONFIGS = [  # BLOCK_M, BLOCK_N, BLOCK_K, num_warps, num_stages
    (128, 64, 64, 8, 3), (128, 128, 64, 8, 3), (128, 128, 64, 16, 3), (64, 64, 64, 4, 3),
    (64, 128, 64, 4, 3), (128, 64, 64, 4, 3), (256, 64, 64, 8, 3), (128, 64, 128, 8, 2),
]


def _ptxas(arch: int) -> str:
    import triton

    folder = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin")
    for name in ("ptxas-blackwell", "ptxas"):  # the newest bundled one reads Triton's PTX
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    sys.exit(f"no ptxas in {folder}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--candidates", type=int, default=16, help="C (rounded up to 2^j)")
    ap.add_argument("--arch", type=int, default=90, help="compute capability × 10")
    args = ap.parse_args()
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    from innograph.models import bestmatch_triton as bt

    c = max(2, 1 << (max(1, args.candidates) - 1).bit_length())
    sig = {"D": "*fp16", "P": "*fp16", "DY": "*i32", "PY": "*i32", "START": "*i32",
           "OV": "*fp32", "OI": "*i32", "ODROP": "*fp32", "m": "i32", "stride_d": "i32",
           "stride_p": "i32", "DIM": "constexpr", "BLOCK_M": "constexpr",
           "BLOCK_N": "constexpr", "BLOCK_K": "constexpr", "C": "constexpr"}
    # a launch specialises 16-byte-aligned pointers and integers divisible by 16 (torch
    # allocations; m and the strides are whole tiles): without that no load is pipelined
    aligned = {(i,): [["tt.divisibility", 16]] for i, t in enumerate(sig.values())
               if t != "constexpr"}
    ptxas = _ptxas(args.arch)
    print(f"triton {triton.__version__}, sm_{args.arch}, dim {args.dim}, C {c}, {ptxas}")
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"{'BM':>4s} {'BN':>4s} {'BK':>4s} {'warps':>5s} {'stages':>6s} {'regs':>5s} "
          f"{'spill B':>7s} {'smem B':>7s} {'wgmma':>5s} {'cp.async':>8s}")
    with tempfile.TemporaryDirectory() as tmp:
        for bm, bn, bk, warps, stages in CONFIGS:
            dim_pad = -(-args.dim // bk) * bk
            src = ASTSource(fn=bt._screen_kernel, signature=sig,
                            constexprs={"DIM": dim_pad, "BLOCK_M": bm, "BLOCK_N": bn,
                                        "BLOCK_K": bk, "C": c}, attrs=aligned)
            k = triton.compile(src, target=GPUTarget("cuda", args.arch, 128),
                               options={"num_warps": warps, "num_stages": stages})
            ptx = os.path.join(tmp, "k.ptx")
            with open(ptx, "w") as f:
                f.write(k.asm["ptx"])
            a = "a" if args.arch >= 90 else ""
            out = subprocess.run([ptxas, f"-arch=sm_{args.arch}{a}", "-v", ptx, "-o",
                                  os.path.join(tmp, "k.cubin")], capture_output=True,
                                 text=True).stderr
            regs = re.search(r"Used (\d+) registers", out)
            spill = re.search(r"(\d+) bytes spill stores", out)
            print(f"{bm:4d} {bn:4d} {bk:4d} {warps:5d} {stages:6d} "
                  f"{regs.group(1) if regs else '?':>5s} {spill.group(1) if spill else '?':>7s} "
                  f"{k.metadata.shared:7d} {k.asm['ptx'].count('wgmma.mma_async'):5d} "
                  f"{k.asm['ptx'].count('cp.async.cg') + k.asm['ptx'].count('cp.async.ca'):8d}")


if __name__ == "__main__":
    main()
