"""The released configurations of the families whose benchmark weights the
transformers peer creates itself (random init at the real shapes, then
`save_pretrained`): Qwen3-ASR-0.6B and -1.7B (Qwen/Qwen3-ASR-*-hf) and
GLM-ASR-Nano-2512 (zai-org/GLM-ASR-Nano-2512), in transformers 5.18's field names.
`small` keeps the widths and cuts layers and vocabulary, as the bench's --small does."""
from transformers import GlmAsrConfig, Qwen3ASRConfig

SMALL_VOCAB = 8192
QWEN3_ASR_AUDIO_TOKEN = 151676
GLM_ASR_AUDIO_TOKEN = 59260


def _qwen3_text(hidden, layers, ffn, small):
    return {
        "model_type": "qwen3",
        "hidden_size": hidden,
        "num_hidden_layers": 1 if small else layers,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "intermediate_size": ffn,
        "vocab_size": SMALL_VOCAB if small else 151936,
        "rms_norm_eps": 1e-6,
        "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"},
        "max_position_embeddings": 65536,
        "tie_word_embeddings": True,
    }


def _qwen3_asr(d_model, layers, heads, ffn, output, hidden, text_ffn, small):
    audio = {
        "d_model": d_model,
        "encoder_layers": 1 if small else layers,
        "encoder_attention_heads": heads,
        "encoder_ffn_dim": ffn,
        "output_dim": output,
        "num_mel_bins": 128,
        "downsample_hidden_size": 480,
        "n_window": 50,
        "n_window_infer": 800,
        "max_position_embeddings": 13,
    }
    token = min(QWEN3_ASR_AUDIO_TOKEN, SMALL_VOCAB - 1) if small else QWEN3_ASR_AUDIO_TOKEN
    return Qwen3ASRConfig(audio_config=audio, text_config=_qwen3_text(hidden, 28, text_ffn, small), audio_token_id=token, tie_word_embeddings=True)


def glm_asr_nano(small):
    audio = {
        "hidden_size": 1280,
        "intermediate_size": 5120,
        "num_hidden_layers": 1 if small else 32,
        "num_attention_heads": 20,
        "num_mel_bins": 128,
        "max_position_embeddings": 1500,
        "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default", "partial_rotary_factor": 0.5},
    }
    text = {
        "model_type": "llama",
        "vocab_size": SMALL_VOCAB if small else 59264,
        "hidden_size": 2048,
        "intermediate_size": 6144,
        "num_hidden_layers": 1 if small else 28,
        "num_attention_heads": 16,
        "num_key_value_heads": 4,
        "head_dim": 128,
        "rms_norm_eps": 1e-5,
        "max_position_embeddings": 8192,
        "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"},
        "tie_word_embeddings": False,
    }
    token = SMALL_VOCAB - 4 if small else GLM_ASR_AUDIO_TOKEN
    return GlmAsrConfig(audio_config=audio, text_config=text, audio_token_id=token, tie_word_embeddings=False)


RELEASED = {
    "qwen3-asr-0.6b": lambda small: _qwen3_asr(896, 18, 14, 3584, 1024, 1024, 3072, small),
    "qwen3-asr-1.7b": lambda small: _qwen3_asr(1024, 24, 16, 4096, 2048, 2048, 6144, small),
    "glm-asr-nano": glm_asr_nano,
}
