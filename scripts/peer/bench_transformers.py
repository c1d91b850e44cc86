"""The benchmark's modern peer: transformers 5.18's own model classes on PyTorch
2.13 (the bench's venv), float32, on the same weight files as our rows, timed the
same way (a warm-up, then several runs → median and min). Decode is the plain
KV-cached loop a transformers user writes (`model(input_ids, past_key_values=
DynamicCache)` + argmax); end to end is `get_audio_features` then `generate`
(greedy, exactly N new tokens); time to first token is the same up to the first
token `generate(max_new_tokens=1)` hands its streamer. Also writes the random weights of the families
only this peer can create, and measures PyTorch's own GEMM rate.

Usage: <venv python> scripts/peer/bench_transformers.py '<request JSON from scripts/bench/processes.ts>'
"""
import json
import math
import os
import statistics
import sys
import time

import torch

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transformers  # noqa: E402
from transformers import DynamicCache  # noqa: E402
from transformers.generation.streamers import BaseStreamer  # noqa: E402

from bench_common import (  # noqa: E402
    DECODE_CONTEXT,
    DECODE_WARM_UP_TOKENS,
    ENCODER_AUDIO_SECONDS,
    END_TO_END_AUDIO_SECONDS,
    END_TO_END_WARM_UP_TOKENS,
    FIRST_TOKEN,
    FIRST_TOKEN_AUDIO_SECONDS,
    PREFILL_POSITIONS,
    component_dir,
    fake_token_length,
    lfr_frames,
    log,
    measure,
    peak_rss_bytes,
    prompt_ids,
    read_json,
    write_result,
)
from hf_models import generate_released, load_fun_asr_nano, load_qwen3, load_released, load_sensevoice_encoder  # noqa: E402
from qwen4b_adaptor import AudioAdaptorQwen4B  # noqa: E402
from safetensors_reader import load_file  # noqa: E402

WHISPER_MEL_FRAMES_PER_SECOND = 100
WHISPER_MELS = 128
# GlmAsrProcessor pads each clip to a whole 30 s window; Qwen3ASRProcessor pads only to the longest clip.
GLM_WINDOW_FRAMES = 30 * WHISPER_MEL_FRAMES_PER_SECOND
LFR_FAMILIES = ("funasr-qwen4b", "fun-asr-nano")
GEMM_SHAPE = (512, 2560, 9728)


def load_lean_adaptor(settings):
    directory = component_dir(settings, "qwen4b-adaptor")
    model = AudioAdaptorQwen4B(read_json(os.path.join(directory, "bench-config.json")))
    model.load_state_dict(load_file(os.path.join(directory, "adaptor_phase2_final.safetensors")), strict=True)
    return model.eval()


def compare(ours, theirs):
    diff = (ours.float() - theirs.float()).abs().max().item()
    scale = ours.float().abs().max().item()
    return {"max_abs_diff": diff, "max_abs_ours": scale, "relative": diff / scale if scale else diff}


class SenseVoice:
    """The audio tower on LFR features `[1, T, 560]`; FunASR-Qwen4B's encoder does not scale its input by √D, transformers' always does."""

    def __init__(self, settings):
        self.model, self.scales_input = load_sensevoice_encoder(settings)
        self.divisor = 1.0 if self.scales_input else math.sqrt(self.model.config.hidden_size)

    def __call__(self, features):
        mask = torch.ones(features.shape[:2], dtype=torch.long)
        return self.model(input_features=features / self.divisor, input_features_mask=mask).last_hidden_state


def check_encoder(settings, encoder, adaptor):
    path = os.path.join(settings["checkDir"], "encoder-adaptor.safetensors")
    if not os.path.exists(path):
        return {}
    ref = load_file(path)
    encoded = encoder(ref["features"])
    return {"encoder_output": compare(ref["encoder_output"], encoded), "adaptor_output": compare(ref["adaptor_output"], adaptor(encoded))}


def random_cache(config, positions, seed):
    """A DynamicCache already holding `positions` random keys and values per layer."""
    cache = DynamicCache(config=config)
    generator = torch.Generator().manual_seed(seed)
    shape = (1, config.num_key_value_heads, positions, config.head_dim)
    for layer in range(config.num_hidden_layers):
        cache.update(torch.randn(shape, generator=generator), torch.randn(shape, generator=generator), layer)
    return cache


def next_token(model, token, cache):
    logits = model(input_ids=torch.tensor([[token]]), past_key_values=cache, use_cache=True).logits
    return int(logits[0, -1].argmax())


def check_decoder(settings, model_id, model):
    path = os.path.join(settings["checkDir"], f"{model_id}.safetensors")
    if not os.path.exists(path):
        return {}
    ref = load_file(path)
    cache = DynamicCache(config=model.config)
    logits = [model(inputs_embeds=ref["inputs_embeds"], past_key_values=cache, use_cache=True).logits[0, -1]]
    for token in ref["tokens"].tolist():
        logits.append(model(input_ids=torch.tensor([[token]]), past_key_values=cache, use_cache=True).logits[0, -1])
    stacked = torch.stack(logits)
    result = compare(ref["logits"], stacked)
    result["argmax_agree"] = bool((ref["logits"].argmax(-1) == stacked.argmax(-1)).all())
    result["positions"] = f"prefill {ref['inputs_embeds'].shape[1]} + {len(ref['tokens'])} cached steps"
    return {f"{model_id}_logits": result}


def attention_of(model):
    return getattr(model.config, "_attn_implementation", None)


def encoder_adaptor_row(settings, check):
    encoder, adaptor = SenseVoice(settings), load_lean_adaptor(settings)
    checks = check_encoder(settings, encoder, adaptor) if check else {}
    features = torch.randn(1, lfr_frames(ENCODER_AUDIO_SECONDS), 560, generator=torch.Generator().manual_seed(1))
    split = {"encoder": [], "adaptor": []}

    def once():
        t0 = time.perf_counter()
        encoded = encoder(features)
        t1 = time.perf_counter()
        adaptor(encoded)
        t2 = time.perf_counter()
        split["encoder"].append(t1 - t0)
        split["adaptor"].append(t2 - t1)
        return t2 - t0

    stats = measure(settings["runs"], once, once)
    return {
        "name": "encoder_adaptor",
        "model": "sensevoice-small+qwen4b-adaptor",
        "weights": "float32",
        "classes": "FunAsrNanoEncoder (Fun-ASR-Nano's audio tower) + the adaptor's own nn.TransformerEncoder",
        "attention": attention_of(encoder.model),
        "frames": features.shape[1],
        "median_s": stats["median"],
        "min_s": stats["min"],
        "samples": stats["samples"],
        "encoder_median_s": statistics.median(split["encoder"][1:]),
        "adaptor_median_s": statistics.median(split["adaptor"][1:]),
        **({"check": checks} if checks else {}),
    }


def prefill_row(settings, model_id, check):
    model = load_qwen3(settings, model_id)
    checks = check_decoder(settings, model_id, model) if check else {}
    hidden = model.config.hidden_size
    embeds = torch.randn(1, PREFILL_POSITIONS, hidden, generator=torch.Generator().manual_seed(31)) / math.sqrt(hidden)

    def once():
        t0 = time.perf_counter()
        model(inputs_embeds=embeds, past_key_values=DynamicCache(config=model.config), use_cache=True, logits_to_keep=1)
        return time.perf_counter() - t0

    stats = measure(settings["runs"], once, once)
    return {
        "name": "prefill",
        "model": model_id,
        "weights": "float32",
        "classes": "Qwen3ForCausalLM + DynamicCache",
        "attention": attention_of(model),
        "positions": PREFILL_POSITIONS,
        "median_s": stats["median"],
        "min_s": stats["min"],
        "samples": stats["samples"],
        "tokens_per_s": PREFILL_POSITIONS / stats["median"],
        **({"check": checks} if checks else {}),
    }


def time_decode(model, tokens):
    """ms per token over `tokens` greedy steps after the first token, with 512 random positions already cached."""
    cache = random_cache(model.config, DECODE_CONTEXT, 5)
    token = next_token(model, FIRST_TOKEN % model.config.vocab_size, cache)
    start = time.perf_counter()
    for _ in range(tokens):
        token = next_token(model, token, cache)
    return (time.perf_counter() - start) * 1000 / tokens


def decode_row(settings, model_id, tokens, check):
    model = load_qwen3(settings, model_id)
    checks = check_decoder(settings, model_id, model) if check else {}
    stats = measure(settings["runs"], lambda: time_decode(model, DECODE_WARM_UP_TOKENS), lambda: time_decode(model, tokens))
    return {
        "name": "decode",
        "model": model_id,
        "weights": "float32",
        "classes": "Qwen3ForCausalLM + DynamicCache",
        "attention": attention_of(model),
        "context": DECODE_CONTEXT,
        "tokens": tokens,
        "ms_per_token_median": stats["median"],
        "ms_per_token_min": stats["min"],
        "samples": stats["samples"],
        "tokens_per_s": 1000 / stats["median"],
        **({"check": checks} if checks else {}),
    }


class TokenClock(BaseStreamer):
    """When `generate` hands out each new token (its first `put` is the prompt)."""

    def __init__(self):
        self.stamps = []

    def put(self, value):
        self.stamps.append(time.perf_counter())

    def end(self):
        pass


class EndToEnd:
    """One family through transformers: audio → `[N, H]` audio rows, then `generate` from the prompt's embeddings."""

    def __init__(self, settings, model_id, prompt, audio_seconds):
        self.model_id = model_id
        self.prompt = prompt
        if model_id == "funasr-qwen4b":
            self.encoder, self.adaptor = SenseVoice(settings), load_lean_adaptor(settings)
            self.lm = load_qwen3(settings, "qwen3-4b")
            self.classes = "FunAsrNanoEncoder + nn.TransformerEncoder adaptor + Qwen3ForCausalLM.generate"
        elif model_id == "fun-asr-nano":
            self.lm = load_fun_asr_nano(settings)
            self.classes = "FunAsrNanoForConditionalGeneration (get_audio_features, generate)"
        else:
            self.lm = load_released(settings, model_id)
            self.classes = f"{type(self.lm).__name__} (get_audio_features, generate)"
        self.inputs = self._audio_inputs(audio_seconds)

    def _audio_inputs(self, seconds):
        """Random features of `seconds` of audio as the family's processor shapes them, and the mask of the valid frames."""
        generator = torch.Generator().manual_seed(2)
        if self.model_id in LFR_FAMILIES:
            features = torch.randn(1, lfr_frames(seconds), 560, generator=generator)
            return features, torch.ones(features.shape[:2], dtype=torch.long)
        valid = seconds * WHISPER_MEL_FRAMES_PER_SECOND
        frames = max(valid, GLM_WINDOW_FRAMES) if self.model_id == "glm-asr-nano" else valid
        mask = torch.zeros(1, frames, dtype=torch.long)
        mask[:, :valid] = 1
        return torch.randn(1, WHISPER_MELS, frames, generator=generator), mask

    def audio_rows(self):
        features, mask = self.inputs
        if self.model_id == "funasr-qwen4b":
            return self.adaptor(self.encoder(features))[0]
        rows = self.lm.get_audio_features(features, mask, return_dict=True).pooler_output
        if rows.dim() == 3:
            rows = rows[0]
        # FunASR feeds only the first fake_token_len adaptor frames to the LLM (transformers' processor reserves one per LFR frame).
        return rows[: fake_token_length(features.shape[1])] if self.model_id == "fun-asr-nano" else rows

    def once(self, tokens):
        t0 = time.perf_counter()
        audio = self.audio_rows()
        t1 = time.perf_counter()
        before, after = self.prompt
        embed = self.lm.get_input_embeddings()
        embeds = torch.cat([embed(torch.tensor([before])), audio[None].to(torch.float32), embed(torch.tensor([after]))], dim=1)
        clock = TokenClock()
        out = self.lm.generate(
            inputs_embeds=embeds,
            attention_mask=torch.ones(embeds.shape[:2], dtype=torch.long),
            max_new_tokens=tokens,
            min_new_tokens=tokens,
            do_sample=False,
            streamer=clock,
            pad_token_id=0,
        )
        t3 = time.perf_counter()
        generated = out.shape[1] - (0 if out.shape[1] == tokens else embeds.shape[1])
        if generated != tokens or len(clock.stamps) != tokens + 1:
            raise RuntimeError(f"generate made {generated} tokens ({len(clock.stamps)} streamer calls), expected {tokens}")
        t2 = clock.stamps[1]
        return {
            "total": t3 - t0,
            "first_token": t2 - t0,
            "encoder_adaptor": t1 - t0,
            "prefill": t2 - t1,
            "decode": t3 - t2,
            "positions": embeds.shape[1],
            "audio_rows": audio.shape[0],
        }


def check_nano_audio(settings, model):
    path = os.path.join(settings["checkDir"], "fun-asr-nano-audio.safetensors")
    if not os.path.exists(path):
        return {}
    ref = load_file(path)
    features = ref["features"]
    rows = model.get_audio_features(features, torch.ones(features.shape[:2], dtype=torch.long), return_dict=True).pooler_output
    return {"fun_asr_nano_audio_rows": compare(ref["adaptor_output"][0], rows.reshape(ref["adaptor_output"].shape[1], -1))}


def check_nano_decoder(settings, model):
    """Qwen3-0.6B inside FunAsrNanoForConditionalGeneration against our decoder's check file."""
    path = os.path.join(settings["checkDir"], "qwen3-0.6b.safetensors")
    if not os.path.exists(path):
        return {}
    ref = load_file(path)
    cache = DynamicCache(config=model.config.text_config)
    logits = [model(inputs_embeds=ref["inputs_embeds"], past_key_values=cache, use_cache=True).logits[0, -1]]
    for token in ref["tokens"].tolist():
        logits.append(model(input_ids=torch.tensor([[token]]), past_key_values=cache, use_cache=True).logits[0, -1])
    stacked = torch.stack(logits)
    result = compare(ref["logits"], stacked)
    result["argmax_agree"] = bool((ref["logits"].argmax(-1) == stacked.argmax(-1)).all())
    return {"qwen3-0.6b_logits_in_fun_asr_nano": result}


def end_to_end_row(settings, model_id, tokens, prompt, check):
    pipeline = EndToEnd(settings, model_id, prompt, END_TO_END_AUDIO_SECONDS)
    checks = {}
    if check and model_id == "funasr-qwen4b":
        checks.update(check_encoder(settings, pipeline.encoder, pipeline.adaptor))
        checks.update(check_decoder(settings, "qwen3-4b", pipeline.lm))
    if check and model_id == "fun-asr-nano":
        checks.update(check_nano_audio(settings, pipeline.lm))
        checks.update(check_nano_decoder(settings, pipeline.lm))
    runs = []

    def once():
        r = pipeline.once(tokens)
        runs.append(r)
        return r["total"]

    stats = measure(settings["runs"], lambda: pipeline.once(END_TO_END_WARM_UP_TOKENS), once)
    median = lambda key: statistics.median(r[key] for r in runs)
    return {
        "name": "end_to_end",
        "model": model_id,
        "weights": "float32",
        "classes": pipeline.classes,
        "attention": attention_of(pipeline.lm),
        "scope": "audio features → encoder + adaptor + prefill + decode (no front end)",
        "tokens": tokens,
        "audio_rows": runs[0]["audio_rows"],
        "prefill_positions": runs[0]["positions"],
        "median_s": stats["median"],
        "min_s": stats["min"],
        "samples": stats["samples"],
        "encoder_adaptor_s": median("encoder_adaptor"),
        "prefill_s": median("prefill"),
        "decode_s": median("decode"),
        "decode_ms_per_token": median("decode") * 1000 / (tokens - 1),
        **({"check": checks} if checks else {}),
    }


def first_token_row(settings, model_id, prompt):
    pipeline = EndToEnd(settings, model_id, prompt, FIRST_TOKEN_AUDIO_SECONDS)
    runs = []

    def once():
        r = pipeline.once(1)
        runs.append(r)
        return r["first_token"]

    stats = measure(settings["runs"], lambda: pipeline.once(1), once)
    median = lambda key: statistics.median(r[key] for r in runs)
    return {
        "name": "first_token",
        "model": model_id,
        "weights": "float32",
        "classes": pipeline.classes,
        "attention": attention_of(pipeline.lm),
        "scope": "audio features → encoder + adaptor + prefill → the first token generate(max_new_tokens=1) hands its streamer (no front end)",
        "clip_seconds": FIRST_TOKEN_AUDIO_SECONDS,
        "audio_rows": runs[0]["audio_rows"],
        "prefill_positions": runs[0]["positions"],
        "median_s": stats["median"],
        "min_s": stats["min"],
        "samples": stats["samples"],
        "encoder_adaptor_s": median("encoder_adaptor"),
        "prefill_s": median("prefill"),
    }


def machine_figures():
    """PyTorch's own float32 GEMM rate at the bench's calibration shape, best of 5."""
    m, k, n = GEMM_SHAPE
    x, w = torch.randn(m, k), torch.randn(n, k)
    torch.matmul(x, w.T)
    best = min(_seconds(lambda: torch.matmul(x, w.T)) for _ in range(5))
    return {"gemm_gflops": 2 * m * k * n / best / 1e9, "gemm_shape": f"[{m}, {k}] x [{n}, {k}]^T float32, best of 5"}


def _seconds(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(request):
    task, settings, check = request["task"], request["settings"], request["check"]
    kind = task["kind"]
    if kind == "generate":
        generate_released(settings, task["component"])
        return None
    if kind == "machine":
        return machine_figures()
    if kind == "encoder_adaptor":
        return encoder_adaptor_row(settings, check)
    if kind == "prefill":
        return prefill_row(settings, task["model"], check)
    if kind == "decode":
        if task["weights"] != "float32":
            raise ValueError("the peer runs float32 decode only")
        return decode_row(settings, task["model"], task["tokens"], check)
    if kind == "end_to_end":
        return end_to_end_row(settings, task["model"], task["tokens"], prompt_ids(task), check)
    if kind == "first_token":
        return first_token_row(settings, task["model"], prompt_ids(task))
    raise ValueError(f"the transformers peer has no row {kind}")


def main():
    request = json.loads(sys.argv[1])
    torch.set_num_threads(request["threads"])
    transformers.logging.set_verbosity_error()
    t0 = time.perf_counter()
    with torch.inference_mode():
        row = run(request)
    versions = {"torch": torch.__version__, "transformers": transformers.__version__, "torch_threads": torch.get_num_threads(), "peak_rss_bytes": peak_rss_bytes()}
    if request["task"]["kind"] == "generate":
        result = {"kind": "done", "peak_rss_bytes": peak_rss_bytes(), "seconds": time.perf_counter() - t0}
    elif request["task"]["kind"] == "machine":
        result = {"kind": "peer_machine", "machine": {**row, **versions}}
    else:
        row.update({"runs": request["settings"]["runs"], **versions})
        result = {"kind": "row", "row": row}
    with open(request["resultFile"], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
