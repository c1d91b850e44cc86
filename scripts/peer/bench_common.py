"""What both Python peers share with scripts/bench/*.ts: the row constants, the
timing (a warm-up, then several runs → median and min), the process's peak RSS,
and the bench's weight folders and configs."""
import json
import math
import os
import resource
import statistics
import sys

# Must match scripts/bench/tasks.ts and the rows.
DECODE_CONTEXT = 512
PREFILL_POSITIONS = 512
ENCODER_AUDIO_SECONDS = 30
END_TO_END_AUDIO_SECONDS = 30
DECODE_WARM_UP_TOKENS = 3
END_TO_END_WARM_UP_TOKENS = 2
FIRST_TOKEN_AUDIO_SECONDS = 5
FIRST_TOKEN = 1000
# First stand-in ids of the text before and after the audio (scripts/bench/stand-in-prompt.ts).
FIRST_ID_BEFORE = 100
FIRST_ID_AFTER = 200


def log(message):
    print(f"  [peer] {message}", file=sys.stderr, flush=True)


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(runs, warm_up, run):
    warm_up()
    samples = [run() for _ in range(runs)]
    return {"median": statistics.median(samples), "min": min(samples), "samples": samples}


def prompt_ids(task):
    """The stand-in text ids before and after the audio rows, for the prompt shape the task gives (the family's prompt length)."""
    shape = task["prompt"]
    return list(range(FIRST_ID_BEFORE, FIRST_ID_BEFORE + shape["before"])), list(range(FIRST_ID_AFTER, FIRST_ID_AFTER + shape["after"]))


def lfr_frames(seconds):
    """Frames of the front end for `seconds` of 16 kHz audio: 25 ms / 10 ms windows (snip edges), LFR 7/6."""
    fbank = 1 + (int(seconds * 16000) - 400) // 160
    return math.ceil(fbank / 6)


def fake_token_length(lfr):
    """Fun-ASR-Nano's low-frame-rate truncation: three ceil(/2) steps (FunASR fun_asr_nano/model.py)."""
    if lfr <= 0:
        return 0
    o1 = 1 + (lfr - 1) // 2
    o2 = 1 + (o1 - 1) // 2
    return (o2 - 1) // 2 + 1


def component_dir(settings, component):
    return os.path.join(settings["weightsDir"], component)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def write_result(path, row):
    with open(path, "w") as f:
        json.dump({"kind": "row", "row": row}, f)
