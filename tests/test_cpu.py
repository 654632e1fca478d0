"""Which model build runs where: VNNI CPUs (and non-x86 ones) run the main int8 build, x86 CPUs
without VNNI the reduce-range build, whose 7-bit weights cannot saturate AVX2's 16-bit sums."""

from __future__ import annotations

from pathlib import Path

import pytest

from oftenasked import InputError
from oftenasked.retrieve import cpu

AVX2 = frozenset(["fpu", "sse4_2", "avx", "avx2", "fma", "bmi2"])


def test_choice_by_cpu_features(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OFTENASKED_MODEL_VARIANT", raising=False)
    assert cpu.model_file(AVX2, x86=True) == cpu.REDUCE_RANGE
    assert cpu.model_file(AVX2 | {"avx512f", "avx512_vnni"}, x86=True) == cpu.MAIN
    assert cpu.model_file(AVX2 | {"avx_vnni"}, x86=True) == cpu.MAIN  # (Alder Lake and later: VNNI without AVX-512)
    assert cpu.model_file(AVX2 | {"avx512f"}, x86=True) == cpu.REDUCE_RANGE  # AVX-512 without VNNI (Skylake-X)
    assert cpu.model_file(frozenset({"asimd", "asimddp"}), x86=False) == cpu.MAIN


def test_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 avx512_vnni\n\n")
    assert cpu.proc_flags(str(info)) == frozenset({"fpu", "avx2", "avx512_vnni"})
    assert cpu.proc_flags(str(tmp_path / "missing")) is None
    probed = cpu.numpy_flags()  # what the CPU itself says (CPUID, through numpy)
    assert probed is not None and probed <= {"avx2", "avx512f", "avx512_vnni", "avx_vnni"}


def test_the_setting_overrides_the_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFTENASKED_MODEL_VARIANT", "vnni")
    assert cpu.model_file(AVX2, x86=True) == cpu.MAIN
    monkeypatch.setenv("OFTENASKED_MODEL_VARIANT", "reduce-range")
    assert cpu.model_file(AVX2 | {"avx512_vnni"}, x86=True) == cpu.REDUCE_RANGE
    monkeypatch.setenv("OFTENASKED_MODEL_VARIANT", "fp64")
    with pytest.raises(InputError, match="fp64"):
        cpu.model_file(AVX2, x86=True)


def test_every_build_is_bundled_with_its_checksum() -> None:
    import hashlib

    from oftenasked.retrieve.embed import model_sha256

    folder = Path(cpu.__file__).parent / "minilm"
    for name in cpu.VARIANTS.values():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == model_sha256(name)
