"""transformers 5.18's own model classes on the bench's weight files, float32.

- Qwen3 decoders: `Qwen3ForCausalLM.from_pretrained` on the HF-layout folder as is.
- SenseVoice encoder and Fun-ASR-Nano: the files are in FunASR's released layout
  (`encoder.*`, `audio_adaptor.*`) plus the Qwen3 folder (`model.*`); they are
  renamed into `FunAsrNanoEncoder` / `FunAsrNanoForConditionalGeneration` module
  names on load (FunASR's fused `linear_q_k_v` split into q/k/v), nothing else changes.
- Qwen3-ASR and GLM-ASR-Nano: folders this peer wrote itself with `save_pretrained`
  (random init from the released config), loaded with `from_pretrained`.
"""
import json
import os

import torch
from safetensors.torch import load_file as load_safetensors
from safetensors.torch import save_file as save_safetensors
from transformers import (
    FunAsrNanoConfig,
    FunAsrNanoForConditionalGeneration,
    GlmAsrForConditionalGeneration,
    Qwen3ASRForConditionalGeneration,
    Qwen3ForCausalLM,
)
from transformers.models.fun_asr_nano.configuration_fun_asr_nano import FunAsrNanoEncoderConfig
from transformers.models.fun_asr_nano.modeling_fun_asr_nano import FunAsrNanoEncoder

from bench_common import component_dir, log, read_json
from hf_released_configs import RELEASED
from safetensors_reader import load_directory, load_file

CLASSES = {"qwen3-asr-0.6b": Qwen3ASRForConditionalGeneration, "qwen3-asr-1.7b": Qwen3ASRForConditionalGeneration, "glm-asr-nano": GlmAsrForConditionalGeneration}
SEEDS = {"qwen3-asr-0.6b": 15, "qwen3-asr-1.7b": 16, "glm-asr-nano": 17}
COMPLETE_MARKER = ".complete"
# transformers 5.18's save_pretrained writes GlmAsr's decoder as `language_model.model.model.*`; the release
# (zai-org/GLM-ASR-Nano-2512) and from_pretrained use `language_model.model.*`.
SAVED_PREFIX_FIXES = {"glm-asr-nano": ("language_model.model.model.", "language_model.model.")}
SHARD = "2GB"

# FunASR SAN-M layer names → FunAsrNanoEncoderLayer names (the fused q/k/v is split separately).
_LAYER_RENAMES = [
    ("self_attn.linear_out.", "self_attn.o_proj."),
    ("self_attn.fsmn_block.", "self_attn.fsmn.conv."),
    ("feed_forward.w_1.", "mlp.fc1."),
    ("feed_forward.w_2.", "mlp.fc2."),
    ("norm1.", "input_layernorm."),
    ("norm2.", "post_attention_layernorm."),
    ("self_attn.linear_q.", "self_attn.q_proj."),
    ("self_attn.linear_k.", "self_attn.k_proj."),
    ("self_attn.linear_v.", "self_attn.v_proj."),
]


def _rename_layer(name):
    for old, new in _LAYER_RENAMES:
        if name.startswith(old):
            return new + name[len(old) :]
    return name


def _put_layer(out, prefix, name, tensor):
    if name.startswith("self_attn.linear_q_k_v."):
        suffix = name[len("self_attn.linear_q_k_v.") :]
        for part, chunk in zip(("q_proj", "k_proj", "v_proj"), torch.chunk(tensor, 3, dim=0)):
            out[f"{prefix}self_attn.{part}.{suffix}"] = chunk.contiguous()
    else:
        out[prefix + _rename_layer(name)] = tensor


def sensevoice_to_hf(tensors, num_blocks, tp_blocks, prefix=""):
    """FunASR SenseVoiceEncoderSmall names (prefix stripped) → FunAsrNanoEncoder names."""
    out = {}
    for name, tensor in tensors.items():
        head, _, rest = name.partition(".")
        if head in ("encoders0", "encoders", "tp_encoders"):
            index, _, layer_name = rest.partition(".")
            layer = int(index) + {"encoders0": 0, "encoders": 1, "tp_encoders": num_blocks}[head]
            _put_layer(out, f"{prefix}layers.{layer}.", layer_name, tensor)
        elif head in ("after_norm", "tp_norm"):
            layer = num_blocks - 1 if head == "after_norm" else num_blocks + tp_blocks - 1
            out[f"{prefix}layers.{layer}.final_layernorm.{rest}"] = tensor
        else:
            raise KeyError(f"unexpected SenseVoice tensor {name}")
    return out


def nano_adaptor_to_hf(tensors, prefix="model.multi_modal_projector."):
    """FunASR Fun-ASR-Nano `Transformer` adaptor names → FunAsrNanoMultiModalProjector names."""
    out = {}
    for name, tensor in tensors.items():
        if name.startswith("linear1."):
            out[f"{prefix}linear_1.{name[len('linear1.'):]}"] = tensor
        elif name.startswith("linear2."):
            out[f"{prefix}linear_2.{name[len('linear2.'):]}"] = tensor
        elif name.startswith("blocks."):
            index, _, layer_name = name[len("blocks.") :].partition(".")
            out[f"{prefix}layers.{index}.{_rename_layer(layer_name)}"] = tensor
        else:
            raise KeyError(f"unexpected Nano adaptor tensor {name}")
    return out


def encoder_config(bench_config):
    c = bench_config["encoder_conf"]
    return FunAsrNanoEncoderConfig(
        num_mel_bins=bench_config["input_size"] // 7,
        num_stacked_frames=7,
        hidden_size=c["output_size"],
        num_attention_heads=c["attention_heads"],
        intermediate_size=c["linear_units"],
        num_hidden_layers=c["num_blocks"] + c["tp_blocks"],
        num_timestamp_prediction_layers=c["tp_blocks"],
        fsmn_kernel_size=c["kernel_size"],
        layer_norm_eps=bench_config.get("layer_norm_eps", 1e-5),
        hidden_dropout=0.0,
        attention_dropout=0.0,
    )


def _load_strict(model, state, allowed_missing=()):
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if k not in allowed_missing]
    if missing or unexpected:
        raise KeyError(f"{type(model).__name__}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    return model.eval()


def _sensevoice_tensors(settings):
    directory = component_dir(settings, "sensevoice-encoder")
    config = read_json(os.path.join(directory, "bench-config.json"))
    return config, load_file(os.path.join(directory, "model.safetensors"), config["checkpoint_key_prefix"])


def load_sensevoice_encoder(settings):
    """transformers' Fun-ASR-Nano audio tower (`FunAsrNanoEncoder`) on the SenseVoice file; returns (model, scales_input)."""
    config, tensors = _sensevoice_tensors(settings)
    c = config["encoder_conf"]
    model = FunAsrNanoEncoder(encoder_config(config))
    _load_strict(model, sensevoice_to_hf(tensors, c["num_blocks"], c["tp_blocks"]))
    return model, config.get("input_scale", "sqrt_output_size") == "sqrt_output_size"


def load_qwen3(settings, model_id):
    return Qwen3ForCausalLM.from_pretrained(component_dir(settings, model_id), dtype=torch.float32).eval()


def load_fun_asr_nano(settings):
    """FunAsrNanoForConditionalGeneration on the SenseVoice, Nano adaptor and Qwen3-0.6B files."""
    encoder_bench, encoder_tensors = _sensevoice_tensors(settings)
    adaptor_dir = component_dir(settings, "nano-adaptor")
    adaptor_bench = read_json(os.path.join(adaptor_dir, "bench-config.json"))
    a = adaptor_bench["audio_adaptor_conf"]
    decoder_dir = component_dir(settings, "qwen3-0.6b")
    text = {k: v for k, v in read_json(os.path.join(decoder_dir, "config.json")).items() if k not in ("torch_dtype", "dtype", "architectures")}
    text["model_type"] = "qwen3"
    config = FunAsrNanoConfig(
        audio_config=encoder_config(encoder_bench).to_dict(),
        adaptor_config={
            "hidden_size": a["llm_dim"],
            "num_attention_heads": a["attention_heads"],
            "intermediate_size": adaptor_bench.get("block_ffn_dim") or a["llm_dim"] // 4,
            "num_hidden_layers": a["n_layer"],
            "projector_hidden_size": a["ffn_dim"],
            "layer_norm_eps": adaptor_bench.get("layer_norm_eps", 1e-12),
            "hidden_dropout": 0.0,
            "attention_dropout": 0.0,
        },
        text_config=text,
        tie_word_embeddings=True,
    )
    model = FunAsrNanoForConditionalGeneration(config).to(torch.float32)
    c = encoder_bench["encoder_conf"]
    state = sensevoice_to_hf(encoder_tensors, c["num_blocks"], c["tp_blocks"], "model.audio_tower.")
    state.update(nano_adaptor_to_hf(load_file(os.path.join(adaptor_dir, "model.safetensors"), adaptor_bench["checkpoint_key_prefix"])))
    for name, tensor in load_directory(decoder_dir).items():
        if not name.startswith("model."):
            raise KeyError(f"unexpected Qwen3 tensor {name}")
        state["model.language_model." + name[len("model.") :]] = tensor
    _load_strict(model, state, allowed_missing=("lm_head.weight",))
    if model.lm_head.weight.data_ptr() != model.model.language_model.embed_tokens.weight.data_ptr():
        raise RuntimeError("Fun-ASR-Nano: lm_head is not tied to the embedding")
    return model


def load_released(settings, model_id):
    return CLASSES[model_id].from_pretrained(component_dir(settings, model_id), dtype=torch.float32).eval()


def _rename_saved(directory, old, new):
    """Renames tensor key prefixes in the safetensors files (and the shard index) `save_pretrained` wrote."""
    index_path = os.path.join(directory, "model.safetensors.index.json")
    files = sorted(n for n in os.listdir(directory) if n.endswith(".safetensors"))
    for name in files:
        path = os.path.join(directory, name)
        tensors = load_safetensors(path)
        save_safetensors({(new + k[len(old) :] if k.startswith(old) else k): v for k, v in tensors.items()}, path, metadata={"format": "pt"})
    if os.path.exists(index_path):
        index = read_json(index_path)
        index["weight_map"] = {(new + k[len(old) :] if k.startswith(old) else k): v for k, v in index["weight_map"].items()}
        with open(index_path, "w") as f:
            json.dump(index, f, indent=2)


def generate_released(settings, model_id):
    """Random weights at the released shapes, saved as bf16 safetensors (as released) with the config."""
    directory = component_dir(settings, model_id)
    torch.manual_seed(SEEDS[model_id])
    config = RELEASED[model_id](settings["small"])
    model = CLASSES[model_id](config)
    model.to(torch.bfloat16).save_pretrained(directory, max_shard_size=SHARD)
    del model
    if model_id in SAVED_PREFIX_FIXES:
        _rename_saved(directory, *SAVED_PREFIX_FIXES[model_id])
    with open(os.path.join(directory, COMPLETE_MARKER), "w"):
        pass
    log(f"wrote {model_id} (released shapes{', cut' if settings['small'] else ''}) to {directory}")
