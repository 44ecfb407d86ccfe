"""One line describing the machine a benchmark ran on (printed by every bench_*.py)."""

from __future__ import annotations

import os
import platform


def describe() -> str:
    """CPU model, cores, torch version and threads, GPU (or "no GPU"), 1-minute load."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads), {gpu}, load avg {os.getloadavg()[0]:.2f}")
