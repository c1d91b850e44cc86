"""The benchmark's lean PyTorch peer: our own loops (the modules beside this file)
for the same rows as scripts/bench/rows/*.ts on the same weight files, timed the
same way (a warm-up, then several runs; median and min), plus a one-off numerical
check against our outputs on a small input. It runs under the bench's PyTorch 2.13
venv and, as the old column, under Debian's python3-torch 1.13.

Usage: <python> scripts/peer/bench_peer.py '<request JSON from scripts/bench/processes.ts>'
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
from bench_common import (  # noqa: E402
    DECODE_CONTEXT,
    DECODE_WARM_UP_TOKENS,
    ENCODER_AUDIO_SECONDS,
    END_TO_END_AUDIO_SECONDS,
    END_TO_END_WARM_UP_TOKENS,
    FIRST_TOKEN,
    PREFILL_POSITIONS,
    component_dir,
    lfr_frames,
    log,
    measure,
    peak_rss_bytes,
    prompt_ids,
    read_json,
    write_result,
)
from qwen3_decoder import Qwen3Decoder  # noqa: E402
from qwen4b_adaptor import AudioAdaptorQwen4B  # noqa: E402
from safetensors_reader import load_directory, load_file  # noqa: E402
from sensevoice_encoder import SenseVoiceEncoderSmall  # noqa: E402


def load_encoder(settings):
    directory = component_dir(settings, "sensevoice-encoder")
    config = read_json(os.path.join(directory, "bench-config.json"))
    model = SenseVoiceEncoderSmall(config)
    model.load_state_dict(load_file(os.path.join(directory, "model.safetensors"), config["checkpoint_key_prefix"]), strict=True)
    return model.eval()


def load_adaptor(settings):
    directory = component_dir(settings, "qwen4b-adaptor")
    model = AudioAdaptorQwen4B(read_json(os.path.join(directory, "bench-config.json")))
    model.load_state_dict(load_file(os.path.join(directory, "adaptor_phase2_final.safetensors")), strict=True)
    return model.eval()


def load_decoder(settings, model_id):
    directory = component_dir(settings, model_id)
    t0 = time.perf_counter()
    decoder = Qwen3Decoder(read_json(os.path.join(directory, "config.json")), load_directory(directory))
    log(f"loaded {model_id} float32 in {time.perf_counter() - t0:.1f} s")
    return decoder


def compare(ours, theirs):
    diff = (ours.float() - theirs.float()).abs().max().item()
    scale = ours.float().abs().max().item()
    return {"max_abs_diff": diff, "max_abs_ours": scale, "relative": diff / scale if scale else diff}


def check_encoder(settings, encoder, adaptor):
    path = os.path.join(settings["checkDir"], "encoder-adaptor.safetensors")
    if not os.path.exists(path):
        return {}
    ref = load_file(path)
    encoded = encoder(ref["features"])
    adapted = adaptor(encoded)
    return {"encoder_output": compare(ref["encoder_output"], encoded), "adaptor_output": compare(ref["adaptor_output"], adapted)}


def check_decoder(settings, model_id, decoder):
    path = os.path.join(settings["checkDir"], f"{model_id}.safetensors")
    if not os.path.exists(path):
        return {}
    ref = load_file(path)
    cache = decoder.new_cache(64)
    logits = [decoder.forward(ref["inputs_embeds"], cache)[0, -1]]
    for token in ref["tokens"].tolist():
        logits.append(decoder.forward(decoder.embed(torch.tensor([[token]])), cache)[0, -1])
    stacked = torch.stack(logits)
    result = compare(ref["logits"], stacked)
    result["argmax_agree"] = bool((ref["logits"].argmax(-1) == stacked.argmax(-1)).all())
    result["positions"] = f"prefill {ref['inputs_embeds'].shape[1]} + {len(ref['tokens'])} cached steps"
    return {f"{model_id}_logits": result}


def encoder_adaptor_row(settings, check):
    encoder, adaptor = load_encoder(settings), load_adaptor(settings)
    checks = check_encoder(settings, encoder, adaptor) if check else {}
    features = torch.randn(1, lfr_frames(ENCODER_AUDIO_SECONDS), encoder.encoders0[0].norm1.normalized_shape[0], generator=torch.Generator().manual_seed(1))
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
        "frames": features.shape[1],
        "median_s": stats["median"],
        "min_s": stats["min"],
        "samples": stats["samples"],
        "rtf": stats["median"] / ENCODER_AUDIO_SECONDS,
        "encoder_median_s": statistics.median(split["encoder"][1:]),
        "adaptor_median_s": statistics.median(split["adaptor"][1:]),
        **({"check": checks} if checks else {}),
    }


def prefill_row(settings, model_id, check):
    decoder = load_decoder(settings, model_id)
    checks = check_decoder(settings, model_id, decoder) if check else {}
    embeds = torch.randn(1, PREFILL_POSITIONS, decoder.hidden, generator=torch.Generator().manual_seed(31)) / math.sqrt(decoder.hidden)

    def once():
        t0 = time.perf_counter()
        decoder.forward(embeds, decoder.new_cache(PREFILL_POSITIONS + 8))
        return time.perf_counter() - t0

    stats = measure(settings["runs"], once, once)
    return {
        "name": "prefill",
        "model": model_id,
        "weights": "float32",
        "positions": PREFILL_POSITIONS,
        "median_s": stats["median"],
        "min_s": stats["min"],
        "samples": stats["samples"],
        "tokens_per_s": PREFILL_POSITIONS / stats["median"],
        **({"check": checks} if checks else {}),
    }


def time_decode(decoder, tokens):
    """ms per token over `tokens` greedy steps after the first token, with 512 random positions already cached."""
    cache = decoder.new_cache(DECODE_CONTEXT + tokens + 8)
    cache.fill_random(DECODE_CONTEXT, torch.Generator().manual_seed(5))
    vocab = decoder.embed_tokens.shape[0]
    logits = decoder.forward(decoder.embed(torch.tensor([[FIRST_TOKEN % vocab]])), cache)
    token = int(logits.argmax())
    start = time.perf_counter()
    for _ in range(tokens):
        token = int(decoder.forward(decoder.embed(torch.tensor([[token]])), cache).argmax())
    return (time.perf_counter() - start) * 1000 / tokens


def decode_row(settings, model_id, tokens, check):
    decoder = load_decoder(settings, model_id)
    checks = check_decoder(settings, model_id, decoder) if check else {}
    stats = measure(settings["runs"], lambda: time_decode(decoder, DECODE_WARM_UP_TOKENS), lambda: time_decode(decoder, tokens))
    return {
        "name": "decode",
        "model": model_id,
        "weights": "float32",
        "context": DECODE_CONTEXT,
        "tokens": tokens,
        "ms_per_token_median": stats["median"],
        "ms_per_token_min": stats["min"],
        "samples": stats["samples"],
        "tokens_per_s": 1000 / stats["median"],
        **({"check": checks} if checks else {}),
    }


def transcribe_once(encoder, adaptor, decoder, features, prompt, tokens):
    before, after = prompt
    t0 = time.perf_counter()
    audio = adaptor(encoder(features))
    t1 = time.perf_counter()
    frames = audio.shape[1]
    ids = torch.tensor([before + [0] * frames + after])
    embeds = decoder.embed(ids)
    embeds[:, len(before) : len(before) + frames] = audio
    cache = decoder.new_cache(ids.shape[1] + tokens + 8)
    token = int(decoder.forward(embeds, cache).argmax())
    t2 = time.perf_counter()
    for _ in range(tokens - 1):
        token = int(decoder.forward(decoder.embed(torch.tensor([[token]])), cache).argmax())
    t3 = time.perf_counter()
    return {"total": t3 - t0, "encoder_adaptor": t1 - t0, "prefill": t2 - t1, "decode": t3 - t2, "positions": ids.shape[1]}


def end_to_end_row(settings, tokens, prompt, check):
    encoder, adaptor = load_encoder(settings), load_adaptor(settings)
    decoder = load_decoder(settings, "qwen3-4b")
    checks = {}
    if check:
        checks.update(check_encoder(settings, encoder, adaptor))
        checks.update(check_decoder(settings, "qwen3-4b", decoder))
    features = torch.randn(1, lfr_frames(END_TO_END_AUDIO_SECONDS), 560, generator=torch.Generator().manual_seed(2))
    runs = []

    def once():
        r = transcribe_once(encoder, adaptor, decoder, features, prompt, tokens)
        runs.append(r)
        return r["total"]

    stats = measure(settings["runs"], lambda: transcribe_once(encoder, adaptor, decoder, features, prompt, END_TO_END_WARM_UP_TOKENS), once)
    median = lambda key: statistics.median(r[key] for r in runs)
    return {
        "name": "end_to_end",
        "model": "funasr-qwen4b",
        "weights": "float32",
        "scope": "encoder + adaptor + prefill + decode (no front end: torchaudio is not installed)",
        "tokens": tokens,
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


def run(request):
    task, settings, check = request["task"], request["settings"], request["check"]
    kind = task["kind"]
    if kind == "encoder_adaptor":
        return encoder_adaptor_row(settings, check)
    if kind == "prefill":
        return prefill_row(settings, task["model"], check)
    if kind == "decode":
        if task["weights"] != "float32":
            raise ValueError("the peer runs float32 decode only")
        return decode_row(settings, task["model"], task["tokens"], check)
    if kind == "end_to_end":
        if task["model"] != "funasr-qwen4b":
            raise ValueError(f"the lean peer has no end-to-end loop for {task['model']}")
        return end_to_end_row(settings, task["tokens"], prompt_ids(task), check)
    raise ValueError(f"the peer has no row {kind}")


def main():
    request = json.loads(sys.argv[1])
    torch.set_num_threads(request["threads"])
    with torch.inference_mode():
        row = run(request)
    row.update({"runs": request["settings"]["runs"], "torch": torch.__version__, "torch_threads": torch.get_num_threads(), "peak_rss_bytes": peak_rss_bytes()})
    write_result(request["resultFile"], row)


if __name__ == "__main__":
    main()
