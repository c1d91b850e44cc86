"""Reference cases for Paraformer's token times and text, computed by FunASR's own code.

Runs FunASR's `cif_wo_hidden_v1` and `CifPredictorV2.tail_process_fn` arithmetic
(`funasr/models/paraformer/cif_predictor.py`), `ts_prediction_lfr6_standard`
(`funasr/utils/timestamp_tools.py`, called as `Paraformer.inference` calls it) and
`sentence_postprocess` (`funasr/utils/postprocess_utils.py`) on random firing weights
(speech, long silences, weights at the firing threshold — then with one token
fewer than fired, which upstream times from the weights' own peaks) and random token strings
(CJK, English pieces with and without @@, single letters, digits, punctuation,
<unk>). Writes JSON cases for test/pipeline/cif-text-cases.test.ts.

    FUNASR_SRC=<dir> python scripts/reference/funasr_cif_text_cases.py > test/fixtures/funasr-cif-text-cases.json

<dir> holds FunASR's sources at 3c58cb56a56598232c3efffa15d313d7e82a4307: funasr/utils/{timestamp_tools,
postprocess_utils}.py and funasr/models/paraformer/cif_predictor.py, with empty __init__.py files on the way
(the package's own __init__ imports everything). Needs torch and numpy.
"""
import json
import os
import random
import sys
import types

import numpy as np
import torch

src = os.environ["FUNASR_SRC"]
sys.path.insert(0, src)
# cif_predictor.py imports these at module level; none is reached by the functions used here.
for name in ["funasr.register", "funasr.train_utils.device_funcs", "funasr.models.transformer.utils.nets_utils"]:
    module = types.ModuleType(name)
    module.tables = types.SimpleNamespace(register=lambda *a, **k: (lambda c: c))
    module.to_device = lambda x, **k: x
    module.make_pad_mask = None
    sys.modules[name] = module
from funasr.models.paraformer.cif_predictor import cif_wo_hidden_v1  # noqa: E402
from funasr.utils.timestamp_tools import ts_prediction_lfr6_standard  # noqa: E402
from funasr.utils import postprocess_utils  # noqa: E402

TAIL = 0.45
PIECES = ["的", "是", "我", "们", "好", "中", "国", "人", "the", "qu@@", "ick", "brow@@", "n", "fo@@", "x", "for", "ju@@", "a", "b", "c", "i", "o@@", "k", "1", "23", "，", "。", "<unk>", "'s", "ok"]


def firing_weights(rng):
    frames = rng.randint(8, 160)
    alphas = []
    while len(alphas) < frames:
        kind = rng.random()
        run = rng.randint(1, 30)
        if kind < 0.2:
            alphas += [rng.uniform(0.0, 0.02) for _ in range(run)]
        elif kind < 0.25:
            alphas += [rng.uniform(0.9999, 1.0)]
        else:
            alphas += [rng.uniform(0.05, 0.75) for _ in range(run)]
    return torch.tensor(alphas[:frames], dtype=torch.float32)


def threshold_weights(rng):
    """Every weight at the threshold or near zero: the case where the weights' own peaks time the tokens."""
    return torch.tensor([rng.uniform(0.9999, 1.0) if rng.random() < 0.3 else rng.uniform(0.0, 0.01) for _ in range(rng.randint(8, 80))], dtype=torch.float32)


def case(rng):
    direct = rng.random() < 0.15
    alphas = threshold_weights(rng) if direct else firing_weights(rng)
    tail = torch.cat([alphas, torch.zeros(1)]) + torch.cat([torch.zeros(len(alphas)), torch.full((1,), TAIL)])
    token_num = int(torch.floor(tail.sum()).item())
    peaks, fire_idxs = cif_wo_hidden_v1(tail.unsqueeze(0), 1.0, return_fire_idxs=True)
    # With weights at the threshold, one token fewer than fired (as when the best token is a blank) is timed by them directly.
    at_threshold = int((tail >= 1.0 - 1e-4).sum().item())
    tokens = [rng.choice(PIECES) for _ in range(at_threshold - 1 if direct else token_num)]
    times = ts_prediction_lfr6_standard(peaks[0].clone(), tail.clone(), list(tokens), upsample_rate=1)[1] if tokens else []
    text = postprocess_utils.sentence_postprocess(list(tokens))[0]
    timed = postprocess_utils.sentence_postprocess(list(tokens), [list(t) for t in times]) if times else None
    return {
        "alphas": alphas.tolist(),
        "tail_alphas": tail.tolist(),
        "peaks": peaks[0].tolist(),
        "fire_positions": torch.where(fire_idxs[0])[0].tolist(),
        "token_num": token_num,
        "tokens": tokens,
        "times": times,
        "text": text,
        "words": timed[2] if timed else [],
        "word_times": timed[1] if timed else [],
    }


rng = random.Random(20261201)
cases = []
while len(cases) < 60:
    try:
        cases.append(case(rng))
    except (IndexError, AssertionError):
        # Upstream fails on some inputs (more fires than tokens); they are not cases of agreement.
        continue
json.dump({"funasr_commit": "3c58cb56a56598232c3efffa15d313d7e82a4307", "tail_threshold": TAIL, "cases": cases}, sys.stdout)
