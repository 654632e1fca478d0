"""Which build of the embedding model suits this CPU, decided at run time from its features.

The bundled model is int8 (weights per channel, activations quantised on the fly). On x86, onnxruntime
multiplies u8 activations by s8 weights: with VNNI (AVX-512 VNNI or AVX-VNNI) in 32-bit sums, exact;
without it (AVX2 only: most laptops and many cloud machines) with VPMADDUBSW, whose 16-bit pair sums
saturate, which moved similarities 0.0216 away from the reference model on such a machine (the limit
is 0.02). The reduce-range build (weights in 7 bits, ``scripts/build_model.py --variant reduce-range``)
keeps those sums in range. ARM and other CPUs have no such saturation and use the main build.
"""

from __future__ import annotations

import os
import platform
from functools import lru_cache
from pathlib import Path

MAIN = "model.onnx"
REDUCE_RANGE = "model-reduce-range.onnx"
VARIANTS = {"vnni": MAIN, "reduce-range": REDUCE_RANGE}
VNNI_FLAGS = ("avx512_vnni", "avx_vnni", "avx512vnni", "avxvnni")


_NUMPY_NAMES = {"AVX2": "avx2", "AVX512F": "avx512f", "AVX512VNNI": "avx512_vnni", "AVXVNNI": "avx_vnni"}


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str] | None:
    """The features of the CPU this process runs on, in /proc/cpuinfo's names; None if unknown.

    First from numpy's own CPUID probe (what the process really runs on, on every OS, emulators
    included), then AVX-VNNI from /proc/cpuinfo where that file describes the same CPU (numpy does
    not report AVX-VNNI, the VNNI of recent CPUs without AVX-512)."""
    probed = numpy_flags()
    listed = proc_flags()
    if probed is None:
        return listed
    if listed is not None and all((f in listed) == (f in probed) for f in ("avx2", "avx512f")):
        return probed | (listed & {"avx_vnni"})
    return probed


def numpy_flags() -> frozenset[str] | None:
    import importlib

    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # numpy 2, numpy 1
        try:
            features = importlib.import_module(module).__cpu_features__
        except (ImportError, AttributeError):
            continue
        return frozenset(name for key, name in _NUMPY_NAMES.items() if features.get(key))
    return None


def proc_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str] | None:
    """The flags line of /proc/cpuinfo (Linux), or None where it cannot be read."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return frozenset(line.split(":", 1)[1].split())
    return None


def is_x86() -> bool:
    return platform.machine().lower() in {"x86_64", "amd64", "i386", "i686", "x86"}


def model_file(flags: frozenset[str] | None = None, *, x86: bool | None = None) -> str:
    """The model file for this CPU; ``OFTENASKED_MODEL_VARIANT`` (vnni, reduce-range) overrides it.

    An x86 CPU whose flags cannot be read gets the reduce-range build: correct everywhere, at a
    quality within the same limits on VNNI CPUs too (bench/RESULTS.md)."""
    forced = os.environ.get("OFTENASKED_MODEL_VARIANT", "").strip().lower()
    if forced and forced != "auto":
        if forced not in VARIANTS:
            from ..errors import InputError

            raise InputError(f"OFTENASKED_MODEL_VARIANT={forced!r}: choose auto, vnni or reduce-range")
        return VARIANTS[forced]
    if not (is_x86() if x86 is None else x86):
        return MAIN
    flags = cpu_flags() if flags is None else flags
    if flags is not None and any(f in flags for f in VNNI_FLAGS):
        return MAIN
    return REDUCE_RANGE
